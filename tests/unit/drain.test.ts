import { describe, expect, it } from 'vitest'
import { IN_FLIGHT_WAIT_MS, LEAVE_GRACE_MS, drainSchedule, drainWindowMs } from '../../server/socket/drainPlan'

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

  it('keeps the window inside the shutdown timeout, with time for the last in-flight frames', () => {
    expect(drainWindowMs(5000, 30_000, true)).toBe(5000)
    expect(drainWindowMs(60_000, 30_000, true)).toBe(30_000 - IN_FLIGHT_WAIT_MS - LEAVE_GRACE_MS - 2000)
    expect(drainWindowMs(5000, 3000, true)).toBe(0)
  })

  it('closes everything at once when no other instance could take the clients', () => {
    expect(drainWindowMs(5000, 30_000, false)).toBe(0)
  })
})
