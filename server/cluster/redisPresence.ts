import type Redis from 'ioredis'
import type { PublicUser } from '#shared/protocol'
import { instanceId } from './cluster'
import { createFollowing } from './follow'
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
 */

/** Updates a user's entry on this instance and publishes their whole set of instances (one round trip). */
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
redis.call('PUBLISH', ARGV[5], ARGV[6] .. (#on > 0 and 'true' or 'false') .. ',"instances":' .. list .. '}')
return #on`

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
  /** Tells the local watchers of `user` that they came online or went offline. */
  notify(user: PublicUser, online: boolean, watchers: number[]): void
  onError(what: string): (error: unknown) => void
}

export function createRedisPresence({ pub, sub, prefix, notify, onError }: PresenceDeps) {
  const onlineKey = (id: number) => `${prefix}online:${id}`
  const hereKey = (id: string) => `${prefix}presence:${id}`
  const watching = new Watching()
  const channels = createFollowing(sub, id => presenceChannel(prefix, id), onError('subscribe'))
  pub.defineCommand('jizhanPresence', { numberOfKeys: 2, lua: CHANGE })
  pub.defineCommand('jizhanCleanUp', { numberOfKeys: 3, lua: CLEAN_UP })
  const change = (p: Redis | ReturnType<Redis['pipeline']>, user: PublicUser, online: boolean) => {
    // The envelope up to its `online`, which the script completes with what Redis holds.
    const head = `${JSON.stringify({ kind: 'presence', from: instanceId, user: { id: user.id, username: user.username } }).slice(0, -1)},"online":`
    return (p as unknown as WithChange).jizhanPresence(onlineKey(user.id), hereKey(instanceId), online ? '1' : '0', instanceId, user.id, user.username, presenceChannel(prefix, user.id), head)
  }
  const tell = (user: PublicUser, online: boolean | null) => {
    if (online !== null) notify(user, online, watching.watchersOf(user.id))
  }

  /** Reads these watched users' instances from Redis; `force`: also over what envelopes said. */
  async function read(ids: number[], force: boolean): Promise<void> {
    if (ids.length === 0) return
    const p = pub.pipeline()
    for (const id of ids) p.hgetall(onlineKey(id))
    const replies = await p.exec() ?? []
    ids.forEach((id, i) => {
      const [error, hash] = replies[i] ?? [null, null]
      if (error) return
      const entries = Object.entries((hash ?? {}) as Record<string, string>)
      relayTraffic.presenceRead++
      const user = { id, username: entries[0]?.[1] ?? '' }
      const online = watching.seed(user, entries.map(([instance]) => instance), force)
      // A first read tells nobody (the watcher's people list comes over HTTP); a re-read corrects.
      if (force) tell(user, online)
    })
  }

  return {
    /** This instance's part of a user's presence changed: Redis and their watchers learn it. */
    publish(user: PublicUser, online: boolean): Promise<unknown> {
      return change(pub, user, online)
    },
    /** A presence envelope on a followed channel (own echoes too: local watchers learn it this way). */
    receive(user: PublicUser, online: boolean, from: string, instances: string[] | undefined): void {
      relayTraffic.presence++
      tell(user, watching.apply(user, instances ?? (online ? [from] : [])))
    },
    /** A local user watches these contacts (again): follows whom nobody here followed, reads their state. */
    watch(watcher: number, contacts: number[]): void {
      const { added, removed } = watching.watch(watcher, contacts)
      for (const id of removed) channels.unfollow(id)
      if (added.length === 0) return
      Promise.all(added.map(id => channels.follow(id)))
        .then(() => read(added.filter(id => watching.watchersOf(id).length > 0), false))
        .catch(onError('reading presence'))
    },
    unwatch(watcher: number): void {
      for (const id of watching.unwatch(watcher)) channels.unfollow(id)
    },
    /** Envelopes may have been lost (the subscriber was cut off): read everyone watched again. */
    reread: () => read(watching.watched(), true),
    /** These instances died or left: their watched users who were nowhere else go offline here. */
    gone(instances: readonly string[]): void {
      for (const instance of instances) {
        if (instance === instanceId) continue
        for (const user of watching.dropInstance(instance)) tell(user, false)
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
     * Registers every local user again (first tick, or the others gave this instance up): what
     * Redis says is here but is not any more goes, and each watcher learns what changed.
     */
    async announce(local: PublicUser[]): Promise<void> {
      const before = await pub.hgetall(hereKey(instanceId))
      const here = new Set(local.map(u => u.id))
      const p = pub.pipeline()
      for (const [id, username] of Object.entries(before)) if (!here.has(Number(id))) change(p, { id: Number(id), username }, false)
      for (const u of local) change(p, u, true)
      if (p.length > 0) await p.exec()
    },
    /** Leaving the cluster: each local user's watchers learn they are no longer here. */
    async leave(): Promise<void> {
      const p = pub.pipeline()
      for (const [id, username] of Object.entries(await pub.hgetall(hereKey(instanceId)))) change(p, { id: Number(id), username }, false)
      if (p.length > 0) await p.exec()
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
    /** Instances some watched user is on (their leases are checked too). */
    instances: () => watching.instances(),
  }
}
