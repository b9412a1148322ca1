import type Redis from 'ioredis'
import type { PublicUser } from '#shared/protocol'
import { instanceId } from './cluster'
import type { Envelope } from './envelope'
import { createFollowing } from './follow'
import { createFollowRetry } from './followRetry'
import { results } from './replies'
import { chunks } from './resubscribe'
import { presenceChannel } from './routing'
import { relayTraffic } from './traffic'
import { Watching } from './watching'

/**
 * Presence over Redis, routed (issue 15). Who is on which instance lives in Redis: a hash per user
 * (`online:<id>`: instance → username) and a hash per instance (`presence:<id>`: user → username, to
 * clean up after a crash). A change runs one script that updates both and publishes the user's new
 * set of instances once, on the user's presence channel; the instances whose users see that person
 * follow it (watching.ts). So an instance receives the presence of its own users' contacts only, does
 * no audience lookup for anyone else's change, and "who is online" is read from Redis on demand.
 *
 * Each change is numbered by the same script (the user's version: Redis's clock in microseconds,
 * always above the user's previous one), and a read says which version it saw, so a watcher
 * never applies an older state over a newer one (watching.ts). The user's last version and name
 * are kept for RECENT_MS in `pv:<id>`: a read finding none knows the state is older than that.
 */

/**
 * How long a user's last change is remembered (`pv:<id>`: "<version>:<username>"). A read finding
 * no record saw a state older than this; a first read finding a recent one tells the watchers
 * even an offline (their people list, read just before, may still show the person online).
 */
const RECENT_MS = 60_000

/**
 * Users per transaction of a read: a re-read of everyone watched (100,000 people) must not hold
 * Redis in one EXEC of 200,000 commands.
 */
const READ_CHUNK = 1000

/**
 * Updates a user's entry on this instance, numbers the change and publishes their whole set of
 * instances with that version (one round trip). The version is Redis's clock in microseconds, or
 * the last one + 1 if that is not above it: after a restart of Redis, whatever it lost or restored,
 * a new change is still newer than what watchers hold. Its record expires RECENT_MS after it.
 */
const CHANGE = `
if ARGV[1] == '1' then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[4])
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
else
  redis.call('HDEL', KEYS[1], ARGV[2])
  redis.call('HDEL', KEYS[2], ARGV[3])
end
local on = redis.call('HKEYS', KEYS[1])
local list = '[]'
if #on > 0 then list = cjson.encode(on) end
local t = redis.call('TIME')
local v = tonumber(t[1]) * 1000000 + tonumber(t[2])
local record = redis.call('GET', KEYS[3])
if record then
  local last = tonumber(string.match(record, '^%d+'))
  if last and last >= v then v = last + 1 end
end
local version = string.format('%.0f', v)
redis.call('SET', KEYS[3], version .. ':' .. ARGV[4], 'PXAT', string.format('%.0f', math.floor(v / 1000) + tonumber(ARGV[7])))
redis.call('PUBLISH', ARGV[5], ARGV[6] .. (#on > 0 and 'true' or 'false') .. ',"instances":' .. list .. ',"v":' .. version .. '}')
return #on`

/** A user's last change as kept in `pv:<id>`; null when there is none (or it is not ours). */
export function parseRecord(record: unknown): { version: number, username: string } | null {
  if (typeof record !== 'string') return null
  const colon = record.indexOf(':')
  const version = Number(record.slice(0, colon))
  return colon > 0 && Number.isSafeInteger(version) && version > 0 ? { version, username: record.slice(colon + 1) } : null
}

type WithChange = Redis & { jizhanPresence(...args: Array<string | number>): Promise<number> }

/**
 * Removes a dead instance, one batch of its users per call (cleanUp): unless its lease is back, its
 * entry goes from the `online:` hash of each user in the batch and from its own hash; once that is
 * empty, the instance leaves the set — last, so a clean-up cut short is finished by the next tick
 * (the instance is still in the set) and never leaves its users online for good. KEYS: its hash
 * (`presence:<dead>`), its lease, the instances set; ARGV: its id, the prefix of the `online:` keys,
 * the HSCAN cursor, the batch size. The `online:` keys are computed here, not declared: fine on one
 * Redis; Redis Cluster would need hash tags putting them in one slot (docs/capacity.md).
 */
const CLEAN_UP = `
if redis.call('EXISTS', KEYS[2]) == 1 then return {'alive', 0} end
local page = redis.call('HSCAN', KEYS[1], ARGV[3], 'COUNT', ARGV[4])
local fields = page[2]
for i = 1, #fields, 2 do
  redis.call('HDEL', ARGV[2] .. fields[i], ARGV[1])
  redis.call('HDEL', KEYS[1], fields[i])
end
if redis.call('EXISTS', KEYS[1]) == 1 then return {'more', page[1]} end
return {'done', redis.call('SREM', KEYS[3], ARGV[1])}`

type WithCleanUp = Redis & { jizhanCleanUp(...args: Array<string | number>): Promise<[string, string | number]> }

/** What a clean-up did: removed the instance, found it removed already, or found its lease back. */
export type CleanedUp = 'removed' | 'absent' | 'alive'

export interface PresenceDeps {
  pub: Redis
  sub: Redis
  prefix: string
  /**
   * Tells the local watchers of `user` that they came online or went offline (or, after a first
   * read, that they are). `audience`: how many people see them in all, when their publisher said.
   */
  notify(user: PublicUser, online: boolean, watchers: number[], audience?: number): void
  /** How many people see a local user, when known without a read (the envelope carries it). */
  audienceSize?(userId: number): number | undefined
  onError(what: string): (error: unknown) => void
  /** A presence SUBSCRIBE was not confirmed in time (the subscriber may hang: stuckSubscriber.ts). */
  onLate?(): void
}

type PresenceEnvelope = Extract<Envelope, { kind: 'presence' }>

export function createRedisPresence({ pub, sub, prefix, notify, audienceSize, onError, onLate }: PresenceDeps) {
  const onlineKey = (id: number) => `${prefix}online:${id}`
  const hereKey = (id: string) => `${prefix}presence:${id}`
  const versionKey = (id: number) => `${prefix}pv:${id}`
  const watching = new Watching()
  const channels = createFollowing(sub, id => presenceChannel(prefix, id), onError('subscribe'), onLate)
  pub.defineCommand('jizhanPresence', { numberOfKeys: 3, lua: CHANGE })
  pub.defineCommand('jizhanCleanUp', { numberOfKeys: 3, lua: CLEAN_UP })
  const change = (p: Redis | ReturnType<Redis['pipeline']>, user: PublicUser, online: boolean) => {
    // The envelope up to its `online`, which the script completes with what Redis holds.
    const audience = audienceSize?.(user.id)
    const head = `${JSON.stringify({ kind: 'presence', from: instanceId, user: { id: user.id, username: user.username }, audience }).slice(0, -1)},"online":`
    return (p as unknown as WithChange).jizhanPresence(onlineKey(user.id), hereKey(instanceId), versionKey(user.id), online ? '1' : '0', instanceId, user.id, user.username, presenceChannel(prefix, user.id), head, RECENT_MS)
  }
  /** Tells the local watchers; never without the person's name (presence frames name them). */
  const tell = (id: number, online: boolean | null, watchers = watching.watchersOf(id)) => {
    const user = watching.userOf(id)
    if (online === null || !user?.username || watchers.length === 0) return
    notify(user, online, watchers, watching.audienceOf(id))
  }

  /**
   * Reads these watched users' instances and versions from Redis, and tells the watchers what is
   * new to them (watching.ts: a change, or a first state). One transaction per READ_CHUNK users
   * (hash, record and TIME consistent per user, all a version needs), sent one after another: the
   * publisher connection is shared, so a pipeline of all of them would hold every publish of this
   * instance behind the whole read; one at a time, they go in between.
   */
  async function read(ids: number[]): Promise<void> {
    for (const chunk of chunks(ids, READ_CHUNK)) await readChunk(chunk)
  }

  async function readChunk(ids: number[]): Promise<void> {
    const m = pub.multi()
    for (const id of ids) m.hgetall(onlineKey(id)).get(versionKey(id))
    m.time()
    const replies = await m.exec()
    if (!replies) throw new Error('transaction aborted')
    const [timeError, time] = replies[replies.length - 1]!
    if (timeError) throw timeError
    const [seconds, micros] = (time as [string, string]).map(Number) as [number, number]
    // No record: the last change is older than RECENT_MS (its record would still be there).
    const old = seconds * 1_000_000 + micros - RECENT_MS * 1000
    ids.forEach((id, i) => {
      const [hashError, hash] = replies[2 * i]!
      const [recordError, record] = replies[2 * i + 1]!
      if (hashError || recordError) return
      relayTraffic.presenceRead++
      const entries = Object.entries((hash ?? {}) as Record<string, string>)
      const last = parseRecord(record)
      // (Offline everywhere, the hash is gone: the name comes from the record, or stays as known.)
      const user = { id, username: entries[0]?.[1] ?? last?.username ?? '' }
      tell(id, watching.read(user, entries.map(([instance]) => instance), last?.version ?? old))
    })
  }

  const isWatched = (id: number) => watching.watchersOf(id).length > 0
  const retry = createFollowRetry({
    resubscribe(id) {
      channels.unfollow(id)
      return channels.follow(id)
    },
    wanted: isWatched,
    confirmed: ids => void read(ids).catch(onError('reading presence')),
  })

  /**
   * Follows people nobody here followed, then reads them all, confirmed or not (what they are now
   * is known at once; those Redis did not confirm are subscribed again and read again then).
   */
  async function follow(ids: number[]): Promise<void> {
    const confirmed = await Promise.all(ids.map(id => channels.follow(id)))
    retry.add(ids.filter((id, i) => !confirmed[i] && isWatched(id)))
    await read(ids.filter(isWatched))
  }

  return {
    /** This instance's part of a user's presence changed: Redis and their watchers learn it. */
    publish(user: PublicUser, online: boolean): Promise<unknown> {
      return change(pub, user, online)
    },
    /** A presence envelope on a followed channel (own echoes too: local watchers learn it this way). */
    receive(e: PresenceEnvelope): void {
      relayTraffic.presence++
      tell(e.user.id, watching.apply(e.user, e.instances ?? (e.online ? [e.from] : []), e.v, e.audience))
    },
    /**
     * A local user watches these contacts (again): follows whom nobody here followed and reads their
     * state; of those followed already, the watcher is told what is known.
     */
    watch(watcher: number, contacts: number[]): void {
      const { added, removed, joined } = watching.watch(watcher, contacts)
      for (const id of removed) channels.unfollow(id)
      for (const id of joined) tell(id, watching.known(id), [watcher])
      if (added.length > 0) follow(added).catch(onError('reading presence'))
    },
    unwatch(watcher: number): void {
      for (const id of watching.unwatch(watcher)) channels.unfollow(id)
    },
    /** Envelopes may have been lost (the subscriber was cut off): read everyone watched again. */
    reread: () => read(watching.watched()),
    /** These instances died or left: their watched users who were nowhere else go offline here. */
    gone(instances: readonly string[]): void {
      for (const instance of instances) {
        if (instance === instanceId) continue
        for (const user of watching.dropInstance(instance)) tell(user.id, false)
      }
    },
    /** Which of these users are online anywhere (the HTTP people lists). */
    async onlineAmong(ids: readonly number[]): Promise<Set<number>> {
      if (ids.length === 0) return new Set()
      const p = pub.pipeline()
      for (const id of ids) p.exists(onlineKey(id))
      const replies = await p.exec() ?? []
      return new Set(ids.filter((_, i) => replies[i]?.[1] === 1))
    },
    /**
     * Registers the local users again (first tick, or the others gave this instance up, or its
     * own publishes failed): what Redis says is here but is not any more goes, who is here but
     * missing from Redis comes, and each watcher learns what changed. `full`: every local user is
     * published, listed or not (after a lapsed lease the watchers may have dropped this instance).
     */
    async announce(localUsers: () => PublicUser[], full = false): Promise<void> {
      const before = await pub.hgetall(hereKey(instanceId))
      // Who is here is taken now, in the turn the pipeline is sent: a join or leave after it is
      // published after it on the same connection (so it wins); one taken before the read above
      // could republish someone who left meanwhile.
      const local = localUsers()
      const here = new Set(local.map(u => String(u.id)))
      const p = pub.pipeline()
      for (const [id, username] of Object.entries(before)) if (!here.has(id)) change(p, { id: Number(id), username }, false)
      // Only who is missing (or named otherwise): after the others cleaned this instance up, its
      // hash is gone and everyone is published again.
      for (const u of local) if (full || before[String(u.id)] !== u.username) change(p, u, true)
      if (p.length > 0) results(await p.exec())
    },
    /** Leaving the cluster: each local user's watchers learn they are no longer here. */
    async leave(): Promise<void> {
      const p = pub.pipeline()
      for (const [id, username] of Object.entries(await pub.hgetall(hereKey(instanceId)))) change(p, { id: Number(id), username }, false)
      if (p.length > 0) results(await p.exec())
    },
    /**
     * Removes a dead instance (its lease is gone): its entries from its users' hashes, then from the
     * instances set, in scripts of `batch` users each (none blocks Redis for long). Any instance may
     * run it, whether or not it watches the dead one's users; several at once only repeat deletions.
     * Watchers learn of the departure from their own lease checks (`gone`), not from here.
     */
    async cleanUp(dead: string, keys: { alive: string, instances: string }, batch = 1000): Promise<CleanedUp> {
      let cursor: string | number = '0'
      for (;;) {
        const [state, value] = await (pub as WithCleanUp).jizhanCleanUp(hereKey(dead), keys.alive, keys.instances, dead, `${prefix}online:`, cursor, batch)
        if (state === 'alive') return 'alive'
        if (state === 'done') return value === 1 ? 'removed' : 'absent'
        cursor = value
      }
    },
    /** Presence channels followed now (to subscribe again after a reconnect). */
    channels: () => channels.channels(),
    /** Leaving the cluster: no more subscription retries. */
    stop: () => retry.stop(),
    /** Instances some watched user is on (their leases are checked too). */
    instances: () => watching.instances(),
  }
}
