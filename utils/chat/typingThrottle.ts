import { TYPING_SEND_EVERY_MS, TYPING_SHOWN_FOR_MS } from '#shared/protocol'
import type { Conv } from './typingBoard'

/** What the sender last told the server, and the composer's last text. */
export interface ThrottleState {
  /** The conversation a `typing` went to last, or null. */
  conv: Conv | null
  sentAt: number
  text: string
}

export const idleThrottle: ThrottleState = { conv: null, sentAt: Number.NEGATIVE_INFINITY, text: '' }

export type TypingSignal = 'typing' | 'stop' | null

/**
 * The sender's side, pure: the composer of `conv` now holds `text`. While the text changes, a
 * `typing` at most every `everyMs` (a new conversation at once); when the text is sent or cleared,
 * a `stop`, but only while the readers may still show the last `typing`. Unchanged text (a
 * re-render, a focus) sends nothing.
 */
export function composerSignal(state: ThrottleState, conv: Conv, text: string, now: number,
  everyMs = TYPING_SEND_EVERY_MS, shownForMs = TYPING_SHOWN_FOR_MS): { signal: TypingSignal, next: ThrottleState } {
  const same = state.conv === conv
  if (text.trim() === '') {
    if (!same) return { signal: null, next: state }
    return { signal: now - state.sentAt < shownForMs ? 'stop' : null, next: idleThrottle }
  }
  if (same && text === state.text) return { signal: null, next: state }
  if (!same || now - state.sentAt >= everyMs) return { signal: 'typing', next: { conv, sentAt: now, text } }
  return { signal: null, next: { ...state, text } }
}
