import { randomBytes } from 'node:crypto'
import Redis from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import type { PublicUser } from '#shared/protocol'
import { instanceId } from '../../server/cluster/cluster'
import { parseEnvelope } from '../../server/cluster/envelope'
import { createRedisPresence } from '../../server/cluster/redisPresence'
import { TEST_REDIS_URL } from '../support/cluster'

/**
 * The presence script and reads against a real Redis (no server built): versions, what a watcher
 * is told after a first read and a re-read, the audience carried, and what a re-announce publishes.
 * Two "instances" here share this process's instance id: one publishes, the other watches.
 */
const connections: Redis[] = []
const prefixes: string[] = []
const connect = async () => {
  const redis = new Redis(TEST_REDIS_URL)
  connections.push(redis)
  await redis.ping()
  return redis
}
afterAll(async () => {
  const redis = await connect()
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
  }
  for (const c of connections) c.disconnect()
})

interface Told { user: PublicUser, online: boolean, watchers: number[], audience?: number }

async function waitFor(check: () => boolean, ms = 3000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await new Promise(resolve => setTimeout(resolve, 10))) {
    if (Date.now() > end) throw new Error('timed out waiting')
  }
}

/** One deployment (its own prefix) with a redis client to look inside. */
async function deployment() {
  const prefix = `jizhan-test:${randomBytes(4).toString('hex')}:`
  prefixes.push(prefix)
  const redis = await connect()
  async function instance(audienceSize?: (id: number) => number | undefined) {
    const [pub, sub] = [await connect(), await connect()]
    const told: Told[] = []
    const errors: unknown[] = []
    const presence = createRedisPresence({
      pub, sub, prefix, audienceSize,
      notify: (user, online, watchers, audience) => void told.push({ user, online, watchers, audience }),
      onError: () => error => void errors.push(error),
    })
    const self = { pub, sub, presence, told, errors, deliver: true, received: 0 }
    sub.on('message', (_channel: string, text: string) => {
      const envelope = parseEnvelope(text)
      if (!self.deliver || envelope?.kind !== 'presence') return
      self.received++
      presence.receive(envelope)
    })
    return self
  }
  /** Every presence envelope published under this prefix, as sent. */
  async function envelopes() {
    const listener = await connect()
    const seen: Array<Record<string, unknown>> = []
    listener.on('pmessage', (_pattern: string, _channel: string, text: string) => void seen.push(JSON.parse(text) as Record<string, unknown>))
    await listener.psubscribe(`${prefix}p:*`)
    return seen
  }
  return { prefix, redis, instance, envelopes }
}

/** Holds this client's next MULTI before it is sent, until `release()`; `reached` says it got there. */
function holdNextMulti(pub: Redis) {
  let reached!: () => void
  let release!: () => void
  const arrived = new Promise<void>(resolve => (reached = resolve))
  const gate = new Promise<void>(resolve => (release = resolve))
  const multi = pub.multi.bind(pub)
  pub.multi = ((...args: Parameters<typeof multi>) => {
    pub.multi = multi
    const m = multi(...args)
    const exec = m.exec.bind(m)
    m.exec = (async () => {
      reached()
      await gate
      return exec()
    }) as typeof m.exec
    return m
  }) as typeof pub.multi
  return { reached: arrived, release }
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

const ann = { id: 1, username: 'ann' }
const ben = { id: 2, username: 'ben' }
const cat = { id: 3, username: 'cat' }

describe('presence versions', () => {
  it('numbers each change of a user above the last, even when its record was lost or ran ahead', async () => {
    const { prefix, redis, instance, envelopes } = await deployment()
    const seen = await envelopes()
    const p = await instance()
    await p.presence.publish(ann, true)
    await p.presence.publish(ann, false)
    await redis.del(`${prefix}pv:1`)
    await p.presence.publish(ann, true)
    await waitFor(() => seen.length === 3)
    const [v1, v2, v3] = seen.map(e => e.v as number)
    expect(v2).toBeGreaterThan(v1!)
    expect(v3).toBeGreaterThan(v2!)
    // The record: the last version and name, kept a minute.
    expect(await redis.get(`${prefix}pv:1`)).toBe(`${v3}:ann`)
    expect(await redis.pttl(`${prefix}pv:1`)).toBeGreaterThan(50_000)
    await redis.set(`${prefix}pv:1`, `${v3! + 1_000_000_000}:ann`)
    await p.presence.publish(ann, false)
    await waitFor(() => seen.length === 4)
    expect(seen[3]).toMatchObject({ online: false, instances: [], v: v3! + 1_000_000_001 })
  })

  it('never lets a re-read that saw an older state undo an envelope applied meanwhile', async () => {
    const { instance } = await deployment()
    const [p, w] = [await instance(), await instance()]
    w.presence.watch(10, [1])
    await p.presence.publish(ann, true)
    await waitFor(() => w.told.some(t => t.online))
    // The re-read's answer (ann online) is held until the envelope of her leaving was applied.
    let executed!: () => void
    let release!: () => void
    const read = new Promise<void>(resolve => (executed = resolve))
    const gate = new Promise<void>(resolve => (release = resolve))
    const multi = w.pub.multi.bind(w.pub)
    w.pub.multi = ((...args: Parameters<typeof multi>) => {
      const m = multi(...args)
      const exec = m.exec.bind(m)
      m.exec = (async () => {
        const replies = await exec()
        executed()
        await gate
        return replies
      }) as typeof m.exec
      return m
    }) as typeof w.pub.multi
    const reread = w.presence.reread()
    await read
    await p.presence.publish(ann, false)
    await waitFor(() => w.told.at(-1)?.online === false)
    release()
    await reread
    expect(w.told.map(t => t.online)).toEqual([true, false])
  })
})

describe('what watchers are told', () => {
  it('tells them the state a first read found: a change just before the channel was followed', async () => {
    const { prefix, redis, instance } = await deployment()
    const [p, w] = [await instance(), await instance()]
    await p.presence.publish(ann, true)
    await p.presence.publish(ben, true)
    await p.presence.publish(ben, false)
    // Cat left long ago (her record is gone): nothing to correct, and her name is not known.
    await p.presence.publish(cat, true)
    await p.presence.publish(cat, false)
    await redis.del(`${prefix}pv:3`)
    w.presence.watch(10, [1, 2, 3])
    await waitFor(() => w.told.length === 2)
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(w.told.sort((a, b) => a.user.id - b.user.id)).toEqual([
      { user: ann, online: true, watchers: [10], audience: undefined },
      { user: ben, online: false, watchers: [10], audience: undefined },
    ])
  })

  it('tells them an offline whose envelope came before their first read (which then sees nothing new)', async () => {
    const { instance } = await deployment()
    const [p, w] = [await instance(), await instance()]
    // Their people list shows ann online; her leaving reaches the channel before the first read.
    await p.presence.publish(ann, true)
    const held = holdNextMulti(w.pub)
    w.presence.watch(10, [1])
    await held.reached
    await p.presence.publish(ann, false)
    await waitFor(() => w.received === 1)
    held.release()
    await sleep(100)
    expect(w.told).toEqual([{ user: ann, online: false, watchers: [10], audience: undefined }])
  })

  it('subscribes again a presence channel Redis refused, and reads the person then', async () => {
    const { instance } = await deployment()
    const [p, w] = [await instance(), await instance()]
    const subscribe = w.sub.subscribe.bind(w.sub)
    let refused = false
    w.sub.subscribe = ((...args: Parameters<typeof subscribe>) => {
      if (refused) return subscribe(...args)
      refused = true
      return Promise.reject(new Error('refused'))
    }) as typeof w.sub.subscribe
    w.presence.watch(10, [1])
    // The first read (nothing yet) is done; her arrival then goes out on a channel not followed.
    await sleep(200)
    await p.presence.publish(ann, true)
    // Subscribed again a second later, and read: she is online.
    await waitFor(() => w.told.length === 1)
    expect(w.told[0]).toEqual({ user: ann, online: true, watchers: [10], audience: undefined })
    await p.presence.publish(ann, false)
    await waitFor(() => w.told.length === 2)
    expect(w.told[1]!.online).toBe(false)
    expect(w.errors).toHaveLength(1)
  })

  it('reads many people in transactions of 1,000, each answering for its own', async () => {
    const { instance } = await deployment()
    const [p, w] = [await instance(), await instance()]
    const people = Array.from({ length: 2500 }, (_, i) => i + 1)
    await p.presence.publish(ann, true)
    await p.presence.publish({ id: 2500, username: 'zed' }, true)
    const sizes: number[] = []
    const multi = w.pub.multi.bind(w.pub)
    w.pub.multi = ((...args: Parameters<typeof multi>) => {
      const m = multi(...args)
      const exec = m.exec.bind(m)
      m.exec = (() => {
        sizes.push(m.length)
        return exec()
      }) as typeof m.exec
      return m
    }) as typeof w.pub.multi
    w.presence.watch(9999, people)
    await waitFor(() => w.told.length === 2, 10_000)
    // MULTI, then HGETALL and GET per person, and TIME.
    expect(sizes).toEqual([2002, 2002, 1002])
    expect(w.told.map(t => [t.user.id, t.online])).toEqual([[1, true], [2500, true]])
    sizes.length = 0
    await w.presence.reread()
    expect(sizes).toEqual([2002, 2002, 1002])
  })

  it('tells a newly arrived watcher what is known of the people watched here already', async () => {
    const { instance } = await deployment()
    const [p, w] = [await instance(), await instance()]
    await p.presence.publish(ann, true)
    w.presence.watch(10, [1])
    await waitFor(() => w.told.length === 1)
    w.presence.watch(11, [1])
    expect(w.told[1]).toEqual({ user: ann, online: true, watchers: [11], audience: undefined })
  })

  it('tells a watcher who arrives while the first read is on its way what that read finds', async () => {
    const { instance } = await deployment()
    const [p, w] = [await instance(), await instance()]
    await p.presence.publish(ann, true)
    const held = holdNextMulti(w.pub)
    w.presence.watch(10, [1])
    await held.reached
    // Nothing known yet to tell the newcomer; the read tells both.
    w.presence.watch(11, [1])
    expect(w.told).toEqual([])
    held.release()
    await waitFor(() => w.told.length === 1)
    expect(w.told[0]).toEqual({ user: ann, online: true, watchers: [10, 11], audience: undefined })
  })

  it('names the person when a re-read finds them offline everywhere (their hash is gone)', async () => {
    const { instance } = await deployment()
    const [p, w] = [await instance(), await instance()]
    await p.presence.publish(ann, true)
    w.presence.watch(10, [1])
    await waitFor(() => w.told.length === 1)
    // Her leaving is lost on the way (the subscriber was cut off).
    w.deliver = false
    await p.presence.publish(ann, false)
    await w.presence.reread()
    expect(w.told[1]).toEqual({ user: ann, online: false, watchers: [10], audience: undefined })
  })

  it('carries how many people see the user in all, as their publisher knows it', async () => {
    const { instance } = await deployment()
    const [p, w] = [await instance(id => id === 1 ? 1000 : undefined), await instance()]
    w.presence.watch(10, [1, 2])
    await new Promise(resolve => setTimeout(resolve, 100))
    await p.presence.publish(ann, true)
    await p.presence.publish(ben, true)
    await waitFor(() => w.told.length === 2)
    expect(w.told.map(t => [t.user.id, t.audience])).toEqual([[1, 1000], [2, undefined]])
  })
})

describe('announcing an instance again', () => {
  it('publishes only who Redis lacks, names otherwise or holds but is gone; everyone after a clean-up', async () => {
    const { prefix, redis, instance, envelopes } = await deployment()
    const seen = await envelopes()
    const p = await instance()
    const published = async (announce: Promise<void>) => {
      const before = seen.length
      await announce
      await new Promise(resolve => setTimeout(resolve, 100))
      return seen.slice(before).map(e => [(e.user as PublicUser).username, e.online])
    }
    expect(await published(p.presence.announce(() => [ann, ben]))).toEqual([['ann', true], ['ben', true]])
    expect(await published(p.presence.announce(() => [ann, ben]))).toEqual([])
    expect(await published(p.presence.announce(() => [ann, { id: 2, username: 'benny' }]))).toEqual([['benny', true]])
    expect(await published(p.presence.announce(() => [ann]))).toEqual([['benny', false]])
    // Another instance cleaned this one up (its lease lapsed): everyone here is published again.
    await redis.del(`${prefix}presence:${instanceId}`, `${prefix}online:1`)
    expect(await published(p.presence.announce(() => [ann]))).toEqual([['ann', true]])
    expect(await redis.hgetall(`${prefix}online:1`)).toEqual({ [instanceId]: 'ann' })
  })

  it('takes who is here after reading Redis: someone who left during that read is not published online again', async () => {
    const { instance, envelopes } = await deployment()
    const seen = await envelopes()
    const p = await instance()
    let here = [ann, ben]
    const announcing = p.presence.announce(() => here, true)
    here = [ann] // Ben's last socket closed while the instance's hash was being read
    await announcing
    await waitFor(() => seen.length >= 1)
    await new Promise(resolve => setTimeout(resolve, 100))
    expect(seen.map(e => [(e.user as PublicUser).username, e.online])).toEqual([['ann', true]])
  })

  it('publishes everyone here again when asked to in full (the others gave it up, its hash intact)', async () => {
    const { instance, envelopes } = await deployment()
    const seen = await envelopes()
    const p = await instance()
    await p.presence.announce(() => [ann, ben])
    await waitFor(() => seen.length === 2)
    await p.presence.announce(() => [ann, ben], true)
    await waitFor(() => seen.length === 4)
    expect(seen.slice(2).map(e => [(e.user as PublicUser).username, e.online])).toEqual([['ann', true], ['ben', true]])
  })
})
