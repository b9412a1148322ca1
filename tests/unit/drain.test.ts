import { describe, expect, it } from 'vitest'
import { drainSchedule, drainWindowMs } from '../../server/utils/drain'

describe('shutdown drain', () => {
  it('gives every socket its own moment inside the window', () => {
    let i = 0
    const random = () => [0, 0.5, 0.999][i++ % 3]!
    expect(drainSchedule(3, 4000, random)).toEqual([0, 2000, 3996])
  })

  it('spreads a thousand sockets evenly over the window', () => {
    const delays = drainSchedule(1000, 5000)
    const perSecond = Array.from({ length: 5 }, (_, s) => delays.filter(d => Math.floor(d / 1000) === s).length)
    for (const n of perSecond) expect(n).toBeGreaterThan(120)
    expect(Math.max(...delays)).toBeLessThan(5000)
  })

  it('keeps the window inside the shutdown timeout, with time to finish', () => {
    expect(drainWindowMs(5000, 30_000)).toBe(5000)
    expect(drainWindowMs(60_000, 30_000)).toBe(25_000)
    expect(drainWindowMs(5000, 3000)).toBe(0)
  })
})
