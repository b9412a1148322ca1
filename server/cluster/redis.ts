import Redis from 'ioredis'
import { log } from '../infra/log'
import { withTimeout } from '../infra/timeout'
import { redisPublishFailures } from '../metrics/registry'
import { alone, instanceId, setCluster } from './cluster'
import type { Cluster } from './cluster'
import { encodeEnvelope, relayChannel } from './envelope'
import { leaseCandidates, splitByLease } from './lease'
import { announceIfGivenUp, dropDead } from './leaseTick'
import { countCommands } from './traffic'
import { createRedisPresence } from './redisPresence'
import { createFollowing } from './follow'
import { createStuckSubscriber } from './stuckSubscriber'
import { routeEvents, routeToMembers, userChannel } from './routing'
import type { Route } from './routing'
import { createResubscriber } from './resubscribe'
import { createRepair } from './repair'
import { createMemberRouting } from './memberRouting'
import { createReceiver } from './receive'
import type { ClusterHandlers } from './receive'
import { results } from './replies'
import type { Loss } from './repair'

/**
 * The Redis side of a cluster: one publisher and one subscriber connection, a channel per user for
 * their traffic (routing.ts, follow.ts) and one for the cluster, envelopes naming their instance
 * (own echoes skipped; what is done with the rest: receive.ts), a presence channel per user followed
 * by the instances whose users see them (redisPresence.ts), and a presence lease per instance
 * (lease.ts decides).
 *
 * Pub/sub is at-most-once, so it is never the delivery guarantee: every event is stored before it
 * is published, and a subscriber that was cut off catches its sockets up from the database.
 */

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

  // The publisher does not queue while disconnected: a publish then fails at once, is marked lost
  // and repaired when the connection is back (below), instead of maybe going out late and maybe not.
  // Each connection is named after its instance (CLIENT LIST shows who is who; a name has no spaces).
  const name = (role: string) => `${options.prefix}${instanceId}:${role}`.replace(/[^\w:.-]/g, '_')
  const pub = new Redis(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: name('pub') })
  // The subscriber's channels are subscribed again by `resubscriber` below, not by ioredis (which
  // would subscribe twice, and restore a channel whose UNSUBSCRIBE was lost with the connection).
  // After a reconnect the connection is a plain one again until then, and `ready` fires as usual.
  const sub = new Redis(options.url, { connectionName: name('sub'), autoResubscribe: false })
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

  // What this instance published may not have reached the others: announce again, and for lost
  // relay envelopes ask every instance to catch its sockets up (repair.ts). When the publisher is
  // back, or at the next tick if it never went away.
  const repair = createRepair({
    announce,
    resync: async () => {
      if (!stopped) await pub.publish(channel, encodeEnvelope({ kind: 'resync', from: instanceId }))
    },
    onError: (error) => {
      redisPublishFailures.inc()
      logError('re-announce')(error)
    },
    // Two leases (30 s by default): a storm of resyncs is held back, and a loss soon after another
    // still waits no longer than the others take to notice a crash.
    resyncEveryMs: 2 * options.leaseMs,
  })
  const failed = (what: string, loss: Loss = 'relay') => (error: unknown) => {
    repair.mark(loss)
    redisPublishFailures.inc()
    logError(what)(error)
  }
  /** Publishes on several channels in one round trip (in order: a channel's envelopes keep theirs). */
  const publishRoutes = (routes: Route[]) => {
    if (routes.length === 0) return
    const p = pub.pipeline()
    for (const r of routes) p.publish(r.channel, encodeEnvelope(r.envelope))
    p.exec().then(results).catch(failed('publish'))
  }
  // A members read that keeps failing is the database's: the copies are marked lost, not counted
  // as a failed publish (memberRouting.ts).
  const toMembers = createMemberRouting({
    publish: publishRoutes,
    repair,
    onError: (conv, err) => log.error('group members unreadable', { conv, err }),
  })
  // A SUBSCRIBE not confirmed in time, or a PING unanswered: the subscriber may hang half-open
  // (stuckSubscriber.ts).
  const stuck = createStuckSubscriber({
    reconnect() {
      log.warn('redis subscriber reconnecting', { why: 'unanswered' })
      sub.disconnect(true)
    },
  })
  // (Not after leaving: a late reply then must not reconnect a subscriber that is going away.)
  const late = () => void (stopped || stuck.late())
  const following = createFollowing(sub, id => userChannel(options.prefix, id), logError('subscribe'), late)
  const presence = createRedisPresence({ pub, sub, prefix: options.prefix, notify: handlers.presence, audienceSize: handlers.audienceSize, onError: logError, onLate: late })

  sub.on('message', createReceiver({ handlers, presence, onMalformed: logError('malformed envelope') }))

  /** Set by `stop()`: nothing may register this instance again after it left. */
  let stopped = false

  /** Registers (again) with every local user: after a start, when the lease lapsed meanwhile, or a publish failed. */
  async function announce(full = false): Promise<void> {
    if (stopped) return
    await pub.sadd(instancesKey, instanceId)
    await presence.announce(() => handlers.localUsers(), full)
  }

  /**
   * Renews this instance's lease and drops instances whose lease is gone: the watched users who
   * were only there go offline here. O(instances) per tick, whatever the number of users online
   * (a lost presence change is read again after the reconnect that lost it: `reread`).
   */
  async function tick(): Promise<void> {
    const [lease, added] = results(await pub.multi()
      .set(aliveKey(instanceId), '1', 'PX', options.leaseMs, 'GET')
      .sadd(instancesKey, instanceId)
      .exec())
    // First tick, or the others gave this instance up meanwhile (its lease lapsed during an outage,
    // or one of them removed it just as it renewed): tell them again who is here.
    if (stopped) return
    await announceIfGivenUp(lease, added, announce, repair)
    const candidates = leaseCandidates(instanceId, await pub.smembers(instancesKey), presence.instances())
    const check = pub.pipeline()
    for (const id of candidates) check.exists(aliveKey(id))
    const { gone } = splitByLease(candidates, candidates.length === 0 ? [] : results(await check.exec()))
    // Its users' entries, then its place in the set, in scripts (redisPresence.ts): a clean-up
    // cut short is finished by the next tick. An instance whose lease came back meanwhile stays.
    await dropDead(gone, id => presence.cleanUp(id, { alive: aliveKey(id), instances: instancesKey }), id => presence.gone([id]), logError('clean-up'))
    if (rereadDue) await reread()
    await repair.run()
  }

  /** Set when the subscriber (re)started: envelopes published meanwhile are lost. */
  let rereadDue = false
  async function reread(): Promise<void> {
    rereadDue = false
    await presence.reread().catch((error: unknown) => {
      rereadDue = true
      throw error
    })
  }

  // Whenever the subscription (re)starts, envelopes published meanwhile are lost: read the watched
  // presence again and catch local sockets up. (Also on the first start: sockets may have connected
  // while Redis was still unreachable.)
  const resubscriber = createResubscriber({
    subscribe: channels => sub.subscribe(...channels),
    channels: () => [channel, ...following.channels(), ...presence.channels()],
    ready: () => sub.status === 'ready',
    // (Without the publisher connection yet, its next tick reads them instead.)
    subscribed: () => void (pub.status === 'ready' ? reread().catch(logError('reading presence')) : undefined),
    resync: () => handlers.resync(),
    onError: logError('subscribe'),
  })
  sub.on('ready', () => {
    stuck.ready()
    rereadDue = true
    void resubscriber.ready()
  })
  pub.on('ready', () => void repair.run())

  let ticking = false
  const runTick = () => {
    // (Nothing to renew without a connection; `ready` starts a tick at once.)
    if (ticking || stopped || pub.status !== 'ready') return
    ticking = true
    // An ioredis command has no timeout: on a hung connection a tick would never end and no other
    // would start (no lease renewal, no repair). One still going after a whole lease is given up,
    // and the publisher made to reconnect (its `ready` starts a tick and the repair).
    let finished = false
    const ticked = tick().finally(() => (finished = true))
    withTimeout(ticked, options.leaseMs, 'lease tick').catch((error: unknown) => {
      logError('lease')(error)
      if (finished || stopped) return
      log.warn('redis publisher reconnecting', { why: 'tick_overdue' })
      pub.disconnect(true)
    }).finally(() => (ticking = false))
  }
  // The subscriber gets a PING each tick: on a hung connection (half-open: its status still says
  // 'ready') nothing else would tell, and this instance's users would hear nothing from the others.
  let pinging = false
  const pingSubscriber = () => {
    if (pinging || stopped || sub.status !== 'ready') return
    pinging = true
    withTimeout(sub.ping(), options.leaseMs, 'subscriber ping').catch(() => late()).finally(() => (pinging = false))
  }
  pub.on('ready', runTick)
  const timer = setInterval(() => {
    runTick()
    pingSubscriber()
  }, Math.max(100, Math.floor(options.leaseMs / 3)))
  timer.unref()

  const cluster: Cluster = {
    shared: true,
    publishEvents: events => publishRoutes(routeEvents(options.prefix, instanceId, events)),
    // (A system line read again is read from storage: the cache may predate its membership change.)
    publishGroupLine: line => toMembers(line.conv, retry => handlers.lineRecipients(line.conv, line.seq, retry && line.system), members =>
      routeToMembers(options.prefix, members, { kind: 'groupLine', from: instanceId, conv: line.conv, seq: line.seq, sender: line.from, system: line.system, text: line.text, own: line.own })),
    publishGroupReceipt: (conv, text) => toMembers(conv, () => handlers.membersOf(conv), members =>
      routeToMembers(options.prefix, members, { kind: 'groupReceipt', from: instanceId, conv, text })),
    publishTyping(note) {
      const typing = { kind: 'typing' as const, from: instanceId, ...note }
      if (note.group === undefined) return publishRoutes(note.to === undefined ? [] : [{ channel: userChannel(options.prefix, note.to), envelope: typing }])
      const group = note.group
      toMembers(group, () => handlers.membersOf(group), members => routeToMembers(options.prefix, members.filter(m => m !== note.sender), typing), true)
    },
    publishPresence(user, online) {
      presence.publish(user, online).catch(failed('presence', 'presence'))
    },
    watch: (userId, contacts) => presence.watch(userId, contacts),
    unwatch: userId => presence.unwatch(userId),
    onlineAmong: ids => presence.onlineAmong(ids),
    publishContacts: users => publishRoutes(users.map(id => ({ channel: userChannel(options.prefix, id), envelope: { kind: 'contacts', from: instanceId, users } }))),
    // On the cluster channel, not the user's: any instance may hold the session in its cache for
    // HTTP requests (sessionCache.ts), so every instance must forget it at once.
    publishSessions: (user, sessions) => publishRoutes([{ channel, envelope: { kind: 'sessions', from: instanceId, sessions, user } }]),
    follow: userId => following.follow(userId),
    unfollow: userId => following.unfollow(userId),
    async check(timeoutMs) {
      if (sub.status !== 'ready') throw new Error(`redis subscriber is ${sub.status}`)
      // (Its status says 'ready' on a half-open connection: a late SUBSCRIBE tells.)
      if (stuck.overdue) throw new Error('redis subscriber does not confirm subscriptions')
      await withTimeout(pub.ping(), timeoutMs, 'redis')
    },
    async stop() {
      stopped = true
      clearInterval(timer)
      stuck.stop()
      presence.stop()
      try {
        // Each local user's watchers learn they left this instance (those who moved elsewhere stay
        // online); then the others drop anything still naming it.
        await withTimeout(presence.leave().then(() => pub.multi()
          .srem(instancesKey, instanceId).del(aliveKey(instanceId), `${options.prefix}presence:${instanceId}`)
          .publish(channel, encodeEnvelope({ kind: 'gone', from: instanceId }))
          .exec()), 1000, 'redis')
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
