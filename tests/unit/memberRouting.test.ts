import { describe, expect, it } from 'vitest'
import { MEMBER_RETRY_MS, createMemberRouting } from '../../server/cluster/memberRouting'
import { createRepair } from '../../server/cluster/repair'
import type { Route } from '../../server/cluster/routing'

/**
 * The member routing as redis.ts wires it, with the real repair: timers are collected (`due`) and
 * run by the test, the repair's effects recorded.
 */
function setUp() {
  const published: Route[][] = []
  const errors: Array<{ conv: string, error: unknown }> = []
  const repaired: string[] = []
  const timers: Array<{ run: () => void, ms: number }> = []
  const repair = createRepair({
    announce: async () => void repaired.push('announce'),
    resync: async () => void repaired.push('resync'),
    onError: () => {},
  })
  const toMembers = createMemberRouting({
    publish: routes => void published.push(routes),
    repair,
    onError: (conv, error) => void errors.push({ conv, error }),
    setTimer: (run, ms) => void timers.push({ run, ms }),
  })
  /** Runs the next timer (its promise callbacks settle after `flush`). */
  const next = () => timers.shift()!.run()
  return { published, errors, repaired, timers, repair, toMembers, next }
}

const flush = () => new Promise(resolve => setImmediate(resolve))
const route = (members: number[]): Route[] => members.map(m => ({ channel: `u:${m}`, envelope: { kind: 'groupReceipt', from: 'i1', conv: 'g', text: '', for: m } }))

describe('routing a group envelope to its members', () => {
  it('routes at once, synchronously, when the members are known', () => {
    const { published, toMembers } = setUp()
    toMembers('g', () => [1, 2], route)
    expect(published.map(r => r.map(x => x.channel))).toEqual([['u:1', 'u:2']])
  })

  it('routes once the members are read', async () => {
    const { published, toMembers } = setUp()
    toMembers('g', () => Promise.resolve([3]), route)
    expect(published).toEqual([])
    await flush()
    expect(published.map(r => r.map(x => x.channel))).toEqual([['u:3']])
  })

  it('reads again with backoff when the read fails, and routes without marking anything lost', async () => {
    const { published, errors, repair, timers, toMembers, next } = setUp()
    const retries: boolean[] = []
    let reads = 0
    toMembers('g', (retry) => {
      retries.push(retry)
      return ++reads < 3 ? Promise.reject(new Error('database down')) : Promise.resolve([4])
    }, route)
    await flush()
    expect(timers.map(t => t.ms)).toEqual([MEMBER_RETRY_MS[0]])
    next()
    await flush()
    expect(timers.map(t => t.ms)).toEqual([MEMBER_RETRY_MS[1]])
    next()
    await flush()
    expect(retries).toEqual([false, true, true])
    expect(published.map(r => r.map(x => x.channel))).toEqual([['u:4']])
    expect(errors).toEqual([])
    expect(repair.due).toBe(false)
  })

  it('marks the copies lost when every read failed, so the others catch up from the database', async () => {
    const { published, errors, repaired, repair, timers, toMembers, next } = setUp()
    toMembers('g', () => Promise.reject(new Error('database down')), route)
    for (let i = 0; i < MEMBER_RETRY_MS.length; i++) {
      await flush()
      expect(repair.due).toBe(false)
      next()
    }
    await flush()
    expect(timers).toEqual([])
    expect(published).toEqual([])
    expect(errors).toEqual([{ conv: 'g', error: new Error('database down') }])
    expect(repair.due).toBe(true)
    await repair.run()
    expect(repaired).toEqual(['announce', 'resync'])
  })

  it('drops a live-only envelope (typing) when the read fails: nothing retried, nothing owed', async () => {
    const { published, errors, repair, timers, toMembers } = setUp()
    toMembers('g', () => Promise.reject(new Error('database down')), route, true)
    await flush()
    expect(timers).toEqual([])
    expect(published).toEqual([])
    expect(errors).toEqual([])
    expect(repair.due).toBe(false)
  })
})
