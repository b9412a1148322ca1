import { describe, expect, it } from 'vitest'
import { PendingSockets } from '../../server/socket/pendingSockets'

describe('sockets pending at the upgrade', () => {
  it('counts the reservations of each user on their own', () => {
    const p = new PendingSockets()
    p.reserve(1, 0)
    p.reserve(1, 0)
    p.reserve(2, 0)
    expect([p.count(1, 0), p.count(2, 0), p.count(3, 0)]).toEqual([2, 1, 0])
  })

  it('releases a reservation once, when its socket joins or closes', () => {
    const p = new PendingSockets()
    const token = p.reserve(1, 0)
    p.release(1, token)
    p.release(1, token)
    p.release(1, undefined)
    expect(p.count(1, 0)).toBe(0)
  })

  it('forgets a reservation whose socket never opened, after its time to live', () => {
    const p = new PendingSockets(1000)
    p.reserve(1, 0)
    expect(p.count(1, 999)).toBe(1)
    expect(p.count(1, 1000)).toBe(0)
  })
})
