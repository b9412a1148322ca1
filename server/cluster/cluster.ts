import type { PublicUser } from '#shared/protocol'
import type { GroupLine } from '../chat/groupDeliver'
import type { TypingNote } from '../chat/typing'
import type { RelayedEvent } from './envelope'

/**
 * How instances share relay and presence. Alone (no NUXT_REDIS_URL) every call is a no-op and the
 * in-process pool is the whole truth; with Redis, redis.ts installs the shared implementation.
 */

/** This process, as other instances know it (infra/instance.ts). */
export { instanceId } from '../infra/instance'

export interface Cluster {
  /** Whether other instances may exist (Redis mode). */
  readonly shared: boolean
  publishEvents(events: RelayedEvent[]): void
  publishGroupLine(line: GroupLine): void
  publishGroupReceipt(conv: string, text: string): void
  /** A typing notice for the viewers on the other instances (live only: lost is harmless). */
  publishTyping(note: TypingNote): void
  /** The user's first socket here opened, or their last one here closed. */
  publishPresence(user: PublicUser, online: boolean): void
  /** The local user sees these people's presence (their contacts now): follow it. */
  watch(userId: number, contacts: number[]): void
  /** The local user's last socket here left: stop following their contacts' presence. */
  unwatch(userId: number): void
  /** Which of these users are online on any instance (read from Redis). */
  onlineAmong(ids: readonly number[]): Promise<Set<number>>
  /** These users now share a conversation: the instances holding them read their contacts again. */
  publishContacts(users: number[]): void
  /** These sessions of the user ended: every instance forgets them and closes their sockets. */
  publishSessions(userId: number, sessionHashes: string[]): void
  /**
   * Starts receiving the user's traffic from the other instances (their first socket here): resolves
   * `true` once every event stored from now on will arrive (or will be caught up after a reconnect),
   * so call it before reading their stream; `false` when that could not be made sure (follow.ts).
   */
  follow(userId: number): Promise<boolean>
  /** Stops receiving the user's traffic (their last socket here left). */
  unfollow(userId: number): void
  /** Resolves when the shared services answer within `timeoutMs`; rejects with the reason. */
  check(timeoutMs: number): Promise<void>
  /** Leaves the cluster: lease and presence removed, so others see this instance's users go at once. */
  stop(): Promise<void>
}

export const alone: Cluster = {
  shared: false,
  publishEvents() {},
  publishGroupLine() {},
  publishGroupReceipt() {},
  publishTyping() {},
  publishPresence() {},
  watch() {},
  unwatch() {},
  onlineAmong: async () => new Set(),
  publishContacts() {},
  publishSessions() {},
  follow: async () => true,
  unfollow() {},
  check: async () => {},
  stop: async () => {},
}

let current: Cluster = alone

/** The cluster this instance is part of now (alone until Redis mode starts). */
export function useCluster(): Cluster {
  return current
}

/** Installs the cluster implementation (redis.ts on start, `alone` again when it stops). */
export function setCluster(cluster: Cluster): void {
  current = cluster
}
