import { randomBytes } from 'node:crypto'
import Redis from 'ioredis'
import type { PublicUser } from '#shared/protocol'
import { encodeEnvelope, parseEnvelope } from './envelope'
import type { Envelope, RelayedEvent } from './envelope'

/**
 * How instances share relay and presence. Alone (no NUXT_REDIS_URL) every call is a no-op and the
 * in-process pool is the whole truth. With Redis: one publisher and one subscriber connection, one
 * channel, envelopes naming their instance (own echoes skipped), and a presence lease per instance.
 *
 * Pub/sub is at-most-once, so it is never the delivery guarantee: every event is stored before it
 * is published, and a subscriber that was cut off catches its sockets up from the database.
 */

/** This process, as other instances know it. Random per start: a restarted instance is a new one. */
export const instanceId = randomBytes(6).toString('hex')

/** What the relay does with what other instances say. */
export interface ClusterHandlers {
  events(events: RelayedEvent[]): void
  presence(instance: string, user: PublicUser, online: boolean): void
  /** Everything `instance` has now (replaces what was known of it). */
  snapshot(instance: string, users: PublicUser[]): void
  /** The instances whose lease is alive now; any other one is gone and its users are offline. */
  alive(instances: ReadonlySet<string>): void
  sessions(sessionHashes: string[]): void
  /** The subscription was down and envelopes may have been missed: catch local sockets up. */
  resync(): void
  /** Users with a socket on this instance, to (re-)announce. */
  localUsers(): PublicUser[]
}

export interface Cluster {
  /** Whether other instances may exist (Redis mode). */
  readonly shared: boolean
  publishEvents(events: RelayedEvent[]): void
  publishPresence(user: PublicUser, online: boolean): void
  publishSessions(sessionHashes: string[]): void
  /** Resolves when the shared services answer within `timeoutMs`; rejects with the reason. */
  check(timeoutMs: number): Promise<void>
  /** Leaves the cluster: lease and presence removed, so others see this instance's users go at once. */
  stop(): Promise<void>
}

const alone: Cluster = {
  shared: false,
  publishEvents() {},
  publishPresence() {},
  publishSessions() {},
  check: async () => {},
  stop: async () => {},
}

let current: Cluster = alone

export function useCluster(): Cluster {
  return current
}

export interface RedisClusterOptions {
  url: string
  /** Prefix of every key and of the channel, so several deployments can share one Redis. */
  prefix: string
  /** Lifetime of an instance's presence lease; a crashed instance's users go offline within ~4/3 of it. */
  leaseMs: number
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
      timer.unref()
    }),
  ]).finally(() => clearTimeout(timer))
}

/** Joins the instances sharing this Redis. Returns at once; connecting and retrying go on in the background. */
export function startRedisCluster(options: RedisClusterOptions, handlers: ClusterHandlers): Cluster {
  if (!/^rediss?:\/\//.test(options.url)) throw new Error('NUXT_REDIS_URL must start with redis:// or rediss://')
  const channel = `${options.prefix}relay`
  const instancesKey = `${options.prefix}instances`
  const aliveKey = (id: string) => `${options.prefix}alive:${id}`
  const presenceKey = (id: string) => `${options.prefix}presence:${id}`

  // Commands wait (queued) while Redis reconnects, but not for ever: readiness reports the outage.
  const pub = new Redis(options.url, { maxRetriesPerRequest: 3, lazyConnect: false })
  const sub = pub.duplicate()
  let lastErrorLog = 0
  const logError = (what: string) => (error: unknown) => {
    // One line per outage and 10 s, not one per retry.
    if (Date.now() - lastErrorLog < 10_000) return
    lastErrorLog = Date.now()
    console.error(`[cluster] ${what}:`, (error as Error).message ?? error)
  }
  pub.on('error', logError('redis'))
  sub.on('error', logError('redis subscriber'))

  const publish = (envelope: Envelope) => void pub.publish(channel, encodeEnvelope(envelope)).catch(logError('publish'))

  sub.on('message', (_channel: string, text: string) => {
    const envelope = parseEnvelope(text)
    if (!envelope) return logError('ignored a malformed envelope')(new Error(text.slice(0, 80)))
    if (envelope.from === instanceId) return
    try {
      switch (envelope.kind) {
        case 'events': return handlers.events(envelope.events)
        case 'presence': return handlers.presence(envelope.from, envelope.user, envelope.online)
        case 'snapshot': return handlers.snapshot(envelope.from, envelope.users)
        case 'sessions': return handlers.sessions(envelope.sessions)
      }
    }
    catch (error) {
      console.error('[cluster] handling an envelope failed', error)
    }
  })

  /** Registers (again) with every local user: after a start, or when the lease lapsed meanwhile. */
  async function announce(): Promise<void> {
    const users = handlers.localUsers()
    const m = pub.multi().sadd(instancesKey, instanceId).del(presenceKey(instanceId))
    if (users.length > 0) m.hset(presenceKey(instanceId), Object.fromEntries(users.map(u => [u.id, u.username])))
    await m.publish(channel, encodeEnvelope({ kind: 'snapshot', from: instanceId, users })).exec()
  }

  /** Renews this instance's lease and finds the instances whose lease is gone. */
  async function tick(): Promise<void> {
    const [lease, member] = await pub.multi()
      .set(aliveKey(instanceId), '1', 'PX', options.leaseMs, 'GET')
      .sadd(instancesKey, instanceId)
      .exec() ?? []
    // First tick, or the others gave this instance up meanwhile (its lease lapsed during an outage,
    // or one of them removed it just as it renewed): tell them again who is here.
    if (lease?.[1] === null || member?.[1] === 1) await announce()
    const members = await pub.smembers(instancesKey)
    const others = members.filter(id => id !== instanceId)
    const pipeline = pub.pipeline()
    for (const id of others) pipeline.exists(aliveKey(id))
    const exists = others.length === 0 ? [] : (await pipeline.exec() ?? []).map(([error, n]) => !error && n === 1)
    const alive = new Set<string>([instanceId])
    for (const [i, id] of others.entries()) {
      if (exists[i]) alive.add(id)
      // Whoever removes a dead instance first also deletes its presence.
      else if (await pub.srem(instancesKey, id) === 1) await pub.del(presenceKey(id))
    }
    handlers.alive(alive)
  }

  /** Reads every live instance's users, to start from (or return to) the whole picture. */
  async function loadSnapshot(): Promise<void> {
    const members = (await pub.smembers(instancesKey)).filter(id => id !== instanceId)
    for (const id of members) {
      if (!await pub.exists(aliveKey(id))) continue
      const hash = await pub.hgetall(presenceKey(id))
      handlers.snapshot(id, Object.entries(hash).map(([uid, username]) => ({ id: Number(uid), username })).filter(u => Number.isSafeInteger(u.id) && u.id > 0))
    }
  }

  let subscribedOnce = false
  sub.on('ready', () => {
    // The first time is the start; a later one follows an outage, when envelopes may be lost.
    const outage = subscribedOnce
    subscribedOnce = true
    sub.subscribe(channel)
      .then(() => loadSnapshot())
      .then(() => outage && handlers.resync())
      .catch(logError('subscribe'))
  })

  let ticking = false
  const runTick = () => {
    if (ticking) return
    ticking = true
    tick().catch(logError('lease')).finally(() => (ticking = false))
  }
  runTick()
  const timer = setInterval(runTick, Math.max(100, Math.floor(options.leaseMs / 3)))
  timer.unref()

  current = {
    shared: true,
    publishEvents: events => publish({ kind: 'events', from: instanceId, events }),
    publishPresence(user, online) {
      const key = presenceKey(instanceId)
      const m = pub.multi()
      if (online) m.hset(key, String(user.id), user.username)
      else m.hdel(key, String(user.id))
      m.publish(channel, encodeEnvelope({ kind: 'presence', from: instanceId, user, online })).exec().catch(logError('presence'))
    },
    publishSessions: sessions => publish({ kind: 'sessions', from: instanceId, sessions }),
    async check(timeoutMs) {
      if (sub.status !== 'ready') throw new Error(`redis subscriber is ${sub.status}`)
      await withTimeout(pub.ping(), timeoutMs, 'redis')
    },
    async stop() {
      clearInterval(timer)
      try {
        await withTimeout(pub.multi()
          .srem(instancesKey, instanceId).del(aliveKey(instanceId)).del(presenceKey(instanceId))
          .publish(channel, encodeEnvelope({ kind: 'snapshot', from: instanceId, users: [] }))
          .exec(), 1000, 'redis')
      }
      catch (error) {
        logError('leaving the cluster')(error)
      }
      pub.disconnect()
      sub.disconnect()
      current = alone
    },
  }
  return current
}
