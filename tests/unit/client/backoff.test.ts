import { describe, expect, it } from 'vitest'
import { createBackoff } from '#shared/backoff'

describe('backoff', () => {
  it('doubles the window each attempt up to the cap', () => {
    const backoff = createBackoff({ baseMs: 1000, capMs: 30_000, random: () => 0.999999 })
    const windows = Array.from({ length: 8 }, () => backoff.duration())
    expect(windows).toEqual([999, 1999, 3999, 7999, 15999, 29999, 29999, 29999])
  })

  it('applies the jitter after the cap, so capped delays still spread over the whole window', () => {
    const backoff = createBackoff({ baseMs: 1000, capMs: 30_000, random: () => 0.5 })
    for (let i = 0; i < 10; i++) backoff.duration()
    expect(backoff.duration()).toBe(15_000)
  })

  it('can return zero with full jitter (an immediate retry is allowed)', () => {
    expect(createBackoff({ baseMs: 1000, capMs: 30_000, random: () => 0 }).duration()).toBe(0)
  })

  it('without jitter waits the whole window each time: base, doubled, up to the cap', () => {
    const backoff = createBackoff({ baseMs: 1000, capMs: 30_000, jitter: false, random: () => 0 })
    expect(Array.from({ length: 7 }, () => backoff.duration())).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000])
  })

  it('counts attempts and starts over after reset', () => {
    const backoff = createBackoff({ baseMs: 100, capMs: 1000, random: () => 0.999999 })
    backoff.duration()
    backoff.duration()
    expect(backoff.attempts).toBe(2)
    backoff.reset()
    expect(backoff.attempts).toBe(0)
    expect(backoff.duration()).toBe(99)
  })

  it('spreads a thousand clients over the window instead of returning together', () => {
    let seed = 42
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646
    const delays = Array.from({ length: 1000 }, () => {
      const b = createBackoff({ baseMs: 1000, capMs: 30_000, random })
      for (let i = 0; i < 6; i++) b.duration()
      return b.duration()
    })
    const buckets = new Array(10).fill(0)
    for (const d of delays) buckets[Math.floor(d / 3000)]++
    for (const count of buckets) expect(count).toBeGreaterThan(60)
  })
})
