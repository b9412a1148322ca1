import { describe, expect, it } from 'vitest'
import { createSessionRecheck } from '../../server/auth/sessionRecheck'
import { SessionCache } from '../../server/auth/sessionCache'

describe('re-checking cached sessions', () => {
  it('answers which ended, with one read for the users asking meanwhile', async () => {
    const reads: string[][] = []
    const ended = createSessionRecheck(async (hashes) => {
      reads.push(hashes)
      return new Set(['a', 'c'])
    })
    const [first, second] = await Promise.all([ended(['a', 'b']), ended(['c', 'd'])])
    expect(first).toEqual(['b'])
    expect(second).toEqual(['d'])
    expect(reads).toEqual([['a', 'b', 'c', 'd']])
    // A later call reads again.
    expect(await ended(['a'])).toEqual([])
    expect(reads).toHaveLength(2)
  })

  it('reads nothing for nobody, and lets a failed read fail the callers', async () => {
    let reads = 0
    const ended = createSessionRecheck(async () => {
      reads++
      throw new Error('down')
    })
    expect(await ended([])).toEqual([])
    expect(reads).toBe(0)
    await expect(ended(['a'])).rejects.toThrow('down')
  })
})

describe('the session cache by user', () => {
  const identity = (user: number, sessionHash: string) => ({ user: { id: user, username: `u${user}` }, sessionHash, sessionExpiresAt: 1e12 })

  it('lists a user\'s cached sessions until they end, expire or are pushed out', () => {
    const cache = new SessionCache(1000, 60_000, 3)
    cache.set(identity(1, 'a'), 0)
    cache.set(identity(1, 'b'), 0)
    cache.set(identity(2, 'c'), 0)
    expect(cache.sessionsOf(1).sort()).toEqual(['a', 'b'])
    cache.end(['a'], 1)
    expect(cache.sessionsOf(1)).toEqual(['b'])
    cache.set(identity(3, 'd'), 2)
    cache.set(identity(3, 'e'), 2)
    // The oldest ('b') made room.
    expect(cache.sessionsOf(1)).toEqual([])
    expect(cache.get('c', 2000)).toBeUndefined()
    expect(cache.sessionsOf(2)).toEqual([])
    expect(cache.sessionsOf(3).sort()).toEqual(['d', 'e'])
  })
})
