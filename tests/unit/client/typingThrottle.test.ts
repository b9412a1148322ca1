import { describe, expect, it } from 'vitest'
import { composerSignal, idleThrottle } from '../../../utils/chat/typingThrottle'
import type { ThrottleState, TypingSignal } from '../../../utils/chat/typingThrottle'

/** Feeds the throttle a composer's history of [time, conv, text]; returns what it sent when. */
function run(steps: Array<[number, number | string, string]>): Array<[number, TypingSignal]> {
  let state: ThrottleState = idleThrottle
  const out: Array<[number, TypingSignal]> = []
  for (const [now, conv, text] of steps) {
    const { signal, next } = composerSignal(state, conv, text, now, 3000, 6000)
    state = next
    if (signal) out.push([now, signal])
  }
  return out
}

describe('typing throttle', () => {
  it('sends typing on the first keystroke, then at most once every 3 s while the text changes', () => {
    const keys = Array.from({ length: 40 }, (_, i) => [i * 250, 2, 'x'.repeat(i + 1)] as [number, number, string])
    expect(run(keys)).toEqual([[0, 'typing'], [3000, 'typing'], [6000, 'typing'], [9000, 'typing']])
  })

  it('sends nothing while the text does not change (a pause, a re-render)', () => {
    expect(run([[0, 2, 'hi'], [3500, 2, 'hi'], [9000, 2, 'hi']])).toEqual([[0, 'typing']])
  })

  it('sends stop when the text is sent or cleared, and typing again at once for the next text', () => {
    expect(run([[0, 2, 'hi'], [500, 2, ''], [700, 2, 'n'], [900, 2, 'ne']])).toEqual([[0, 'typing'], [500, 'stop'], [700, 'typing']])
  })

  it('sends no stop once readers have forgotten the typing anyway, nor for a composer never typed in', () => {
    expect(run([[0, 2, 'hi'], [6000, 2, '']])).toEqual([[0, 'typing']])
    expect(run([[0, 2, '']])).toEqual([])
    expect(run([[0, 2, 'hi'], [100, 3, '']])).toEqual([[0, 'typing']])
  })

  it('sends typing at once in another conversation', () => {
    expect(run([[0, 2, 'a'], [100, 'g1', 'b'], [200, 2, 'ab']])).toEqual([[0, 'typing'], [100, 'typing'], [200, 'typing']])
  })

  it('counts text of only spaces as empty', () => {
    expect(run([[0, 2, '   ']])).toEqual([])
  })
})
