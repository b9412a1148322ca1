import Redis from 'ioredis'
import type { PublicUser } from '#shared/protocol'
import type { SessionEnd } from '../auth/sessionCache'
import { log } from '../infra/log'
import { withTimeout } from '../infra/timeout'
import { redisPublishFailures } from '../metrics/registry'
import { alone, instanceId, setCluster } from './cluster'
import type { Cluster } from './cluster'
import { encodeEnvelope, parseEnvelope, relayChannel } from './envelope'
import type { Envelope, RelayedEvent } from './envelope'
import type { GroupLine } from '../chat/groupDeliver'
import type { TypingNote } from '../chat/typing'
import { leaseCandidates, mustAnnounce, splitByLease } from './lease'
import { countCommands, relayTraffic } from './traffic'
import { PresenceEpochs } from './epochs'
import { createFollowing } from './follow'
import { routeEvents, routeToMembers, userChannel } from './routing'
import type { Route } from './routing'

/**
 * The Redis side of a cluster: one publisher and one subscriber connection, a channel per user for
 * their traffic (routing.ts, follow.ts) and one for the cluster, envelopes naming their instance
 * (own echoes skipped), and a presence lease per instance (lease.ts decides, epochs.ts says whose
 * presence to read again).
 *
 * Pub/sub is at-most-once, so it is never the delivery guarantee: every event is stored before it
 * is published, and a subscriber that was cut off catches its sockets up from the database.
 */

/** What this instance does with what the others say (handlers.ts). */
export interface ClusterHandlers {
  events(events: RelayedEvent[]): void
  /** `member`: the one member this copy is for (each member's copy comes on their own channel). */
  groupLine(line: GroupLine, member?: number): void
  groupReceipt(conv: string, text: string, member?: number): void
  typing(note: TypingNote, member?: number): void
  /** Who a group line goes to (to route a copy to each). */
  lineRecipients(conv: string, seq: number): number[] | Promise<number[]>
  /** A group's members now (receipts and typing go to them). */
  membersOf(conv: string): number[] | Promise<number[]>
  presence(instance: string, user: PublicUser, online: boolean): void
  /** Everything `instance` has now (replaces what was known of it). */
  snapshot(instance: string, users: PublicUser[]): void
  /** These instances' leases lapsed (crash) or they left: their users are offline unless elsewhere. */
  gone(instances: readonly string[]): void
  /** `user`: the operator disabled that account (`why` is then `account_disabled`). */
  sessions(sessionHashes: string[], why: SessionEnd, user?: number): void
  /**
   * Envelopes may have been missed (a subscriber or publisher was cut off from Redis): catch local
   * sockets up from the database and re-check their sessions.
   */
  resync(): void
  /** Users with a socket on this instance, to (re-)announce. */
  localUsers(): PublicUser[]
  /** Other instances this one believes in (to re-check their leases). */
  knownInstances(): string[]
}

export interface RedisClusterOptions {
  url: string
  /** Prefix of every key and of the channel, so several deployments can share one Redis. */
  prefix: string
  /** Lifetime of an instance's presence lease; a crashed instance's users go offline within ~4/3 of it. */
  leaseMs: number
}

/** Joins the instances sharing this Redis. Returns at once; connecting and retrying go on in the background. */
export function startRedisCluster(options: RedisClusterOptions, handlers: ClusterHandlers): Cluster {
  if (!/^rediss?:\/\//.test(options.url)) throw new Error('NUXT_REDIS_URL must start with redis:// or rediss://')
  const channel = relayChannel(options.prefix)
  const instancesKey = `${options.prefix}instances`
  const aliveKey = (id: string) => `${options.prefix}alive:${id}`
  const presenceKey = (id: string) => `${options.prefix}presence:${id}`
  const epochKey = (id: string) => `${options.prefix}epoch:${id}`
  /** This instance's presence changes, numbered; and the numbers applied of the others'. */
  let epoch = 0
  const epochs = new PresenceEpochs()

  // The publisher does not queue while disconnected: a publish then fails at once, is marked lost
  // and repaired when the connection is back (below), instead of maybe going out late and maybe not.
  // Each connection is named after its instance (CLIENT LIST shows who is who; a name has no spaces).
  const name = (role: string) => `${options.prefix}${instanceId}:${role}`.replace(/[^\w:.-]/g, '_')
  const pub = new Redis(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: name('pub') })
  // The subscriber keeps ioredis's defaults (its subscriptions are restored on every reconnect).
  const sub = new Redis(options.url, { connectionName: name('sub') })
  countCommands(pub)
  countCommands(sub)
  // One line per kind of failure and 10 s, not one per retry; the next line says how many were skipped.
  const lastLogged = new Map<string, { at: number, skipped: number }>()
  const logError = (what: string) => (error: unknown) => {
    const entry = lastLogged.get(what)
    if (entry && Date.now() - entry.at < 10_000) return void entry.skipped++
    lastLogged.set(what, { at: Date.now(), skipped: 0 })
    log.error('redis failed', { op: what, err: error, skipped: entry?.skipped || undefined })
  }
  pub.on('error', logError('publisher'))
  sub.on('error', logError('subscriber'))

  /** Something this instance published may not have reached the others. */
  let lost = false
  const failed = (what: string) => (error: unknown) => {
    lost = true
    redisPublishFailures.inc()
    logError(what)(error)
  }
  const publish = (envelope: Envelope) => void pub.publish(channel, encodeEnvelope(envelope)).catch(failed('publish'))
  /** Publishes on several channels in one round trip (in order: a channel's envelopes keep theirs). */
  const publishRoutes = (routes: Route[]) => {
    if (routes.length === 0) return
    const p = pub.pipeline()
    for (const r of routes) p.publish(r.channel, encodeEnvelope(r.envelope))
    p.exec().then(results).catch(failed('publish'))
  }
  /** Routes to the members once they are known (usually at once, from the cache). */
  const toMembers = (members: number[] | Promise<number[]>, route: (members: number[]) => Route[]) => {
    if (Array.isArray(members)) return publishRoutes(route(members))
    members.then(m => publishRoutes(route(m)), logError('group members'))
  }
  const following = createFollowing(sub, id => userChannel(options.prefix, id), logError('subscribe'))

  sub.on('message', (_channel: string, text: string) => {
    relayTraffic.received++
    const envelope = parseEnvelope(text)
    // Its size only: an envelope carries what people wrote.
    if (!envelope) return logError('malformed envelope')(new Error(`${text.length} characters`))
    if (envelope.from === instanceId) return
    relayTraffic.handled++
    try {
      switch (envelope.kind) {
        case 'events': return handlers.events(envelope.events)
        case 'groupLine': return handlers.groupLine({ conv: envelope.conv, seq: envelope.seq, from: envelope.sender, system: envelope.system, text: envelope.text, own: envelope.own }, envelope.for)
        case 'groupReceipt': return handlers.groupReceipt(envelope.conv, envelope.text, envelope.for)
        case 'typing': return handlers.typing({ sender: envelope.sender, to: envelope.to, group: envelope.group, text: envelope.text }, envelope.for)
        case 'presence': return epochs.change(envelope.from, envelope.epoch) ? handlers.presence(envelope.from, envelope.user, envelope.online) : undefined
        case 'snapshot': return epochs.snapshot(envelope.from, envelope.epoch) ? handlers.snapshot(envelope.from, envelope.users) : undefined
        case 'sessions': return handlers.sessions(envelope.sessions, envelope.why ?? 'session_ended', envelope.user)
        case 'resync': return handlers.resync()
      }
    }
    catch (err) {
      log.error('envelope handling failed', { kind: envelope.kind, err })
    }
  })

  /** Registers (again) with every local user: after a start, or when the lease lapsed meanwhile. */
  /** Set by `stop()`: nothing may register this instance again after it left. */
  let stopped = false

  async function announce(): Promise<void> {
    if (stopped) return
    const users = handlers.localUsers()
    const m = pub.multi().sadd(instancesKey, instanceId).del(presenceKey(instanceId))
    if (users.length > 0) m.hset(presenceKey(instanceId), Object.fromEntries(users.map(u => [u.id, u.username])))
    await m.set(epochKey(instanceId), ++epoch)
      .publish(channel, encodeEnvelope({ kind: 'snapshot', from: instanceId, users, epoch })).exec()
  }

  /** Fails on the first command of a MULTI or pipeline that failed (exec() reports them per command). */
  function results(replies: Array<[Error | null, unknown]> | null): unknown[] {
    if (!replies) throw new Error('transaction aborted')
    for (const [error] of replies) if (error) throw error
    return replies.map(([, value]) => value)
  }

  /**
   * Renews this instance's lease, drops instances whose lease is gone, and re-reads the users of
   * the live ones whose presence epoch is not the one applied here (epochs.ts): a lost or raced
   * presence change is corrected within one tick, and a quiet cluster reads no hash at all.
   */
  async function tick(): Promise<void> {
    const [lease, added] = results(await pub.multi()
      .set(aliveKey(instanceId), '1', 'PX', options.leaseMs, 'GET')
      .sadd(instancesKey, instanceId)
      .exec())
    // First tick, or the others gave this instance up meanwhile (its lease lapsed during an outage,
    // or one of them removed it just as it renewed): tell them again who is here.
    if (stopped) return
    if (mustAnnounce(lease, added)) await announce()
    const candidates = leaseCandidates(instanceId, await pub.smembers(instancesKey), handlers.knownInstances())
    const check = pub.pipeline()
    for (const id of candidates) check.exists(aliveKey(id))
    const { live, gone } = splitByLease(candidates, candidates.length === 0 ? [] : results(await check.exec()))
    for (const id of gone) {
      // Whoever removes a dead instance first also deletes its presence.
      if (await pub.srem(instancesKey, id) === 1) await pub.del(presenceKey(id), epochKey(id))
      epochs.forget(id)
    }
    if (gone.length > 0) handlers.gone(gone)
    // Only the instances whose presence changed in a way this one has not applied are read again.
    const numbers = live.length === 0 ? [] : await pub.mget(live.map(epochKey))
    await loadSnapshot(epochs.stale(live, numbers))
  }

  /** Reads these instances' users (all live members when not given): the whole picture again. */
  async function loadSnapshot(ids?: string[]): Promise<void> {
    ids ??= (await pub.smembers(instancesKey)).filter(id => id !== instanceId)
    if (ids.length === 0) return
    // Each hash with its epoch, in one transaction: the number names exactly that picture.
    const read = pub.multi()
    for (const id of ids) read.hgetall(presenceKey(id)).get(epochKey(id))
    const replies = results(await read.exec())
    for (const [i, id] of ids.entries()) {
      const hash = replies[2 * i] as Record<string, string> | null
      const users = Object.entries(hash ?? {}).map(([uid, username]) => ({ id: Number(uid), username }))
      const number = Number(replies[2 * i + 1])
      relayTraffic.presenceRead += users.length
      if (epochs.snapshot(id, Number.isSafeInteger(number) && number > 0 ? number : undefined)) {
        handlers.snapshot(id, users.filter(u => Number.isSafeInteger(u.id) && u.id > 0))
      }
    }
  }

  // Whenever the subscription (re)starts, envelopes published meanwhile are lost: read the picture
  // again and catch local sockets up. (Also on the first start: sockets may have connected while
  // Redis was still unreachable.)
  sub.on('ready', () => {
    sub.subscribe(channel, ...following.channels())
      // (Without the publisher connection yet, its first tick reads the picture instead.)
      .then(() => pub.status === 'ready' ? loadSnapshot().catch(logError('reading presence')) : undefined)
      .then(() => handlers.resync())
      .catch(logError('subscribe'))
  })
  // What this instance published while its own connection was down is lost: when it is back,
  // announce again and ask every instance to catch its sockets up from the database.
  pub.on('ready', () => {
    if (!lost) return
    lost = false
    announce()
      .then(() => pub.publish(channel, encodeEnvelope({ kind: 'resync', from: instanceId })))
      .catch(failed('re-announce'))
  })

  let ticking = false
  const runTick = () => {
    // (Nothing to renew without a connection; `ready` starts a tick at once.)
    if (ticking || stopped || pub.status !== 'ready') return
    ticking = true
    tick().catch(logError('lease')).finally(() => (ticking = false))
  }
  pub.on('ready', runTick)
  const timer = setInterval(runTick, Math.max(100, Math.floor(options.leaseMs / 3)))
  timer.unref()

  const cluster: Cluster = {
    shared: true,
    publishEvents: events => publishRoutes(routeEvents(options.prefix, instanceId, events)),
    publishGroupLine: line => toMembers(handlers.lineRecipients(line.conv, line.seq), members =>
      routeToMembers(options.prefix, members, { kind: 'groupLine', from: instanceId, conv: line.conv, seq: line.seq, sender: line.from, system: line.system, text: line.text, own: line.own })),
    publishGroupReceipt: (conv, text) => toMembers(handlers.membersOf(conv), members =>
      routeToMembers(options.prefix, members, { kind: 'groupReceipt', from: instanceId, conv, text })),
    publishTyping(note) {
      const typing = { kind: 'typing' as const, from: instanceId, ...note }
      if (note.group === undefined) return publishRoutes(note.to === undefined ? [] : [{ channel: userChannel(options.prefix, note.to), envelope: typing }])
      toMembers(handlers.membersOf(note.group), members => routeToMembers(options.prefix, members.filter(m => m !== note.sender), typing))
    },
    publishPresence(user, online) {
      const key = presenceKey(instanceId)
      const m = pub.multi()
      if (online) m.hset(key, String(user.id), user.username)
      else m.hdel(key, String(user.id))
      m.set(epochKey(instanceId), ++epoch)
        .publish(channel, encodeEnvelope({ kind: 'presence', from: instanceId, user, online, epoch })).exec().catch(failed('presence'))
    },
    publishSessions: sessions => publish({ kind: 'sessions', from: instanceId, sessions }),
    follow: userId => following.follow(userId),
    unfollow: userId => following.unfollow(userId),
    async check(timeoutMs) {
      if (sub.status !== 'ready') throw new Error(`redis subscriber is ${sub.status}`)
      await withTimeout(pub.ping(), timeoutMs, 'redis')
    },
    async stop() {
      stopped = true
      clearInterval(timer)
      try {
        await withTimeout(pub.multi()
          .srem(instancesKey, instanceId).del(aliveKey(instanceId), presenceKey(instanceId), epochKey(instanceId))
          .publish(channel, encodeEnvelope({ kind: 'snapshot', from: instanceId, users: [], epoch: ++epoch }))
          .exec(), 1000, 'redis')
      }
      catch (error) {
        logError('leaving the cluster')(error)
      }
      pub.disconnect()
      sub.disconnect()
      setCluster(alone)
    },
  }
  setCluster(cluster)
  return cluster
}
