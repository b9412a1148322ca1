import { peopleSharingWith } from '../chat/storage/reads'
import { relayTraffic } from '../cluster/traffic'

/**
 * Who sees a user's presence: the people who share a conversation with them, not everyone online
 * (that would tell anyone who uses the server, and would not scale). Cached per user for a minute;
 * forgotten here when a conversation starts or a group's members change (other instances learn it
 * within the minute).
 */
const TTL_MS = 60_000
const MAX_USERS = 50_000
const cache = new Map<number, { people: Set<number>, at: number }>()
/**
 * Forgettings, numbered: a read begun before its user's audience (or every audience) was forgotten
 * may miss the new contact, and is not kept. Per user: a forgetting elsewhere (a group's members
 * changed) must not keep every read in flight out of the cache.
 */
let generation = 0
/** When every audience was last forgotten. */
let clearedAt = 0
/** When each user's was last forgotten; bounded, the oldest going first. */
const forgottenAt = new Map<number, number>()
/** The newest forgetting no longer in `forgottenAt`: a read begun before it is not kept. */
let evictedAt = 0

function forgottenSince(userId: number, began: number): boolean {
  return Math.max(clearedAt, evictedAt, forgottenAt.get(userId) ?? 0) > began
}

export function audienceOf(userId: number, now = Date.now()): Set<number> | Promise<Set<number>> {
  const hit = cache.get(userId)
  if (hit && now - hit.at < TTL_MS) return hit.people
  relayTraffic.audienceReads++
  const began = generation
  return peopleSharingWith(userId).then((people) => {
    if (forgottenSince(userId, began)) return people
    cache.delete(userId)
    if (cache.size >= MAX_USERS) cache.delete(cache.keys().next().value!)
    cache.set(userId, { people, at: now })
    return people
  })
}

/**
 * How many people see the user, when read before (however long ago: it only decides how their
 * presence changes are coalesced, presenceBroadcast.ts); undefined when not read yet.
 */
export function knownAudienceSize(userId: number): number | undefined {
  return cache.get(userId)?.people.size
}

const listeners: Array<(userIds?: number[]) => void> = []

/** Runs `listener` after audiences are forgotten (the cluster then watches those users' contacts again). */
export function onAudiencesForgotten(listener: (userIds?: number[]) => void): void {
  listeners.push(listener)
}

/** Forgets the audiences of these users (a conversation between them started), or all of them. */
export function forgetAudiences(userIds?: number[]): void {
  const now = ++generation
  if (!userIds) {
    cache.clear()
    forgottenAt.clear()
    clearedAt = now
  }
  else {
    for (const id of userIds) {
      cache.delete(id)
      forgottenAt.delete(id)
      forgottenAt.set(id, now)
    }
    for (const [id, at] of forgottenAt) {
      if (forgottenAt.size <= MAX_USERS) break
      forgottenAt.delete(id)
      evictedAt = at
    }
  }
  for (const listener of listeners) listener(userIds)
}
