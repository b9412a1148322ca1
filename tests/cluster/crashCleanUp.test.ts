import { randomBytes } from 'node:crypto'
import Redis from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { instanceId } from '../../server/cluster/cluster'
import { createRedisPresence } from '../../server/cluster/redisPresence'
import { TEST_REDIS_URL } from '../support/cluster'

/**
 * The crash clean-up script (redisPresence.ts `cleanUp`) against the real Redis, under a prefix of
 * its own: no instance runs, the dead instance's keys are written by hand as its presence script
 * would have left them.
 */

const prefix = `test:cleanup:${randomBytes(4).toString('hex')}:`
let pub: Redis
let sub: Redis
let presence: ReturnType<typeof createRedisPresence>
const keys = (id: string) => ({ alive: `${prefix}alive:${id}`, instances: `${prefix}instances` })

beforeAll(() => {
  pub = new Redis(TEST_REDIS_URL)
  sub = new Redis(TEST_REDIS_URL)
  presence = createRedisPresence({ pub, sub, prefix, notify: () => {}, onError: () => () => {} })
})
afterAll(async () => {
  const stale = await pub.keys(`${prefix}*`)
  if (stale.length > 0) await pub.del(...stale)
  pub.disconnect()
  sub.disconnect()
})

/** Writes what an instance with these users leaves behind, as its presence script would. */
async function leaveBehind(instance: string, users: number[]): Promise<void> {
  const p = pub.pipeline().sadd(`${prefix}instances`, instance)
  for (const id of users) {
    p.hset(`${prefix}online:${id}`, instance, `u${id}`)
    p.hset(`${prefix}presence:${instance}`, String(id), `u${id}`)
  }
  await p.exec()
}

const onlineOn = async (id: number) => (await pub.hkeys(`${prefix}online:${id}`)).sort()

describe('cleaning up after a crashed instance', () => {
  it('removes its users\' entries and then the instance, in batches, keeping their other instances', async () => {
    const users = Array.from({ length: 2500 }, (_, i) => i + 1)
    await leaveBehind('dead1', users)
    // Users 1 and 2 are on a live instance too.
    await leaveBehind('live1', [1, 2])
    await pub.set(keys('live1').alive, '1', 'PX', 60_000)

    let calls = 0
    const script = pub as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>
    const original = script.jizhanCleanUp!
    script.jizhanCleanUp = (...args: unknown[]) => {
      calls++
      return original.apply(pub, args)
    }
    try {
      expect(await presence.cleanUp('dead1', keys('dead1'), 1000)).toBe('removed')
    }
    finally {
      script.jizhanCleanUp = original
    }
    // More than one script call: none held Redis for all 2,500 users.
    expect(calls).toBeGreaterThanOrEqual(3)
    expect(await onlineOn(1)).toEqual(['live1'])
    expect(await onlineOn(2)).toEqual(['live1'])
    expect(await pub.exists(`${prefix}online:3`, `${prefix}online:2500`, `${prefix}presence:dead1`)).toBe(0)
    expect((await pub.smembers(`${prefix}instances`)).sort()).toEqual(['live1'])
    expect(await presence.onlineAmong([1, 2, 3, 2500])).toEqual(new Set([1, 2]))
  })

  it('leaves the set last: a clean-up cut short is finished by the next run, and only one run says it removed it', async () => {
    const users = Array.from({ length: 1000 }, (_, i) => 3001 + i)
    await leaveBehind('dead2', users)
    // A run that did one batch and was cut short (a batch of ten users: a hash this big is
    // scanned in pieces; a small one comes whole whatever the batch).
    const [state] = await (pub as unknown as { jizhanCleanUp(...a: unknown[]): Promise<[string, unknown]> })
      .jizhanCleanUp(`${prefix}presence:dead2`, keys('dead2').alive, keys('dead2').instances, 'dead2', `${prefix}online:`, '0', 10)
    expect(state).toBe('more')
    expect(await pub.hlen(`${prefix}presence:dead2`)).toBeLessThan(1000)
    // Still in the set, so the next tick (on any instance) sees it and finishes.
    expect(await pub.sismember(`${prefix}instances`, 'dead2')).toBe(1)
    const [first, second] = await Promise.all([presence.cleanUp('dead2', keys('dead2')), presence.cleanUp('dead2', keys('dead2'))])
    expect([first, second].sort()).toEqual(['absent', 'removed'])
    expect(await presence.onlineAmong(users)).toEqual(new Set())
    expect(await pub.sismember(`${prefix}instances`, 'dead2')).toBe(0)
  })

  it('touches nothing of an instance whose lease is back', async () => {
    await leaveBehind('back1', [4001])
    await pub.set(keys('back1').alive, '1', 'PX', 60_000)
    expect(await presence.cleanUp('back1', keys('back1'))).toBe('alive')
    expect(await onlineOn(4001)).toEqual(['back1'])
    expect(await pub.sismember(`${prefix}instances`, 'back1')).toBe(1)
  })

  it('removes an instance that had nobody online', async () => {
    await pub.sadd(`${prefix}instances`, 'empty1')
    expect(await presence.cleanUp('empty1', keys('empty1'))).toBe('removed')
    expect(await pub.sismember(`${prefix}instances`, 'empty1')).toBe(0)
  })

  it('after a clean-up cut short by the lease coming back, a full announce publishes every local user again', async () => {
    // This process is the instance that was given up: its users, announced, then one batch of
    // them cleaned up by another instance before its lease came back (a hash this big is scanned
    // in pieces).
    const local = Array.from({ length: 1000 }, (_, i) => ({ id: 5001 + i, username: `u${5001 + i}` }))
    await presence.announce(() => local)
    const [state] = await (pub as unknown as { jizhanCleanUp(...a: unknown[]): Promise<[string, unknown]> })
      .jizhanCleanUp(`${prefix}presence:${instanceId}`, keys(instanceId).alive, keys(instanceId).instances, instanceId, `${prefix}online:`, '0', 10)
    expect(state).toBe('more')
    expect((await presence.onlineAmong(local.map(u => u.id))).size).toBeLessThan(1000)

    const listener = new Redis(TEST_REDIS_URL)
    const published = new Set<string>()
    listener.on('pmessage', (_pattern: string, channel: string) => void published.add(channel))
    await listener.psubscribe(`${prefix}p:*`)
    try {
      await presence.announce(() => local, true)
      await pub.ping()
      await new Promise(resolve => setTimeout(resolve, 50))
    }
    finally {
      listener.disconnect()
    }
    // Every user, not only those the clean-up removed: watchers may have dropped this instance.
    expect(published.size).toBe(1000)
    expect(await presence.onlineAmong(local.map(u => u.id))).toEqual(new Set(local.map(u => u.id)))
    await presence.leave()
  })
})
