import { describe, expect, it } from 'vitest'
import { createResyncRunner } from '../../server/cluster/resyncRunner'

/** Runs the test answers one by one, with timers it fires by hand. */
function harness() {
  const runs: Array<{ resolve: () => void, reject: (e: Error) => void }> = []
  const timers: Array<{ fn: () => void, ms: number }> = []
  const errors: unknown[] = []
  const runner = createResyncRunner(() => new Promise<void>((resolve, reject) => runs.push({ resolve, reject })), {
    onError: e => void errors.push(e),
    setTimer: (fn, ms) => void timers.push({ fn, ms }),
  })
  const settle = () => new Promise(resolve => setImmediate(resolve))
  return { runner, runs, timers, errors, settle }
}

describe('catch-ups asked of an instance', () => {
  it('runs one at a time, and those asked meanwhile make a single run after it', async () => {
    const h = harness()
    h.runner.request()
    h.runner.request()
    h.runner.request()
    expect(h.runs).toHaveLength(1)
    h.runs[0]!.resolve()
    await h.settle()
    expect(h.runs).toHaveLength(2)
    h.runs[1]!.resolve()
    await h.settle()
    expect(h.runs).toHaveLength(2)
  })

  it('tries a failed run again, waiting longer each time up to 30 s, until one succeeds', async () => {
    const h = harness()
    h.runner.request()
    for (let i = 0; i < 7; i++) {
      h.runs[i]!.reject(new Error('database down'))
      await h.settle()
      h.runner.request() // asked again while waiting: folded into the retry
      h.timers.shift()!.fn()
    }
    expect(h.errors).toHaveLength(7)
    expect(h.runs).toHaveLength(8)
    h.runs[7]!.resolve()
    await h.settle()
    expect(h.runs).toHaveLength(8)
    // A later failure waits a second again.
    h.runner.request()
    h.runs[8]!.reject(new Error('again'))
    await h.settle()
    expect(h.timers.map(t => t.ms)).toEqual([1000])
  })

  it('waits 1, 2, 4 … 30 s between attempts', async () => {
    const h = harness()
    h.runner.request()
    const waits: number[] = []
    for (let i = 0; i < 7; i++) {
      h.runs[i]!.reject(new Error('down'))
      await h.settle()
      const timer = h.timers.shift()!
      waits.push(timer.ms)
      timer.fn()
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000])
  })
})
