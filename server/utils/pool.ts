import type { PublicUser } from '#shared/protocol'
import type { GroupCursors } from '../socket/groupCursors'
import type { StreamCursor } from '../socket/stream'

/** One open socket of a signed-in user, as the pool and the relay see it. */
export interface Connection {
  readonly id: string
  readonly user: PublicUser
  /** The session this socket was authenticated by; ending it closes the socket. */
  readonly sessionHash: string
  /** When that session expires (ms). */
  readonly sessionExpiresAt: number
  /** Time of the last frame received (ms), for the liveness sweep. */
  lastSeenAt: number
  /** Set once the connection has left (closed or being closed): nothing more is done for it. */
  closed: boolean
  /** Where this connection is in its user's event stream. */
  readonly stream: StreamCursor
  /** Where it is in each group it follows (group lines are not stream events). */
  readonly groups: GroupCursors
  send(text: string): void
  close(code: number, reason: string): void
  terminate(): void
  /** Runs `job` after the connection's queued frames, never alongside them. */
  enqueue(job: () => Promise<void>): void
  /**
   * Resolves once the socket's outgoing buffer is under the slow-consumer cap: a replay sends a
   * batch, then waits here, so it goes at the reader's pace. A reader that takes nothing for
   * NUXT_WS_REPLAY_STALL_MS is closed (4009) and this resolves.
   */
  room(): Promise<void>
  /** Resolves when the frames queued so far are handled (their writes done, their answers sent). */
  idle(): Promise<void>
  /** The place this socket held under the per-user socket cap until it joined (socket/pendingSockets.ts). */
  readonly reservation?: symbol
}

/**
 * Who is online: userId → that user's open connections (tabs, devices). A plain data structure, no
 * timers and no I/O, so it is tested with fake connections.
 */
export class UserPool<C extends Connection = Connection> {
  readonly #byUser = new Map<number, Set<C>>()
  #size = 0

  /** Adds a connection; true when it is the user's first (the user came online). */
  add(conn: C): boolean {
    let set = this.#byUser.get(conn.user.id)
    const first = !set
    if (!set) this.#byUser.set(conn.user.id, set = new Set())
    if (!set.has(conn)) {
      set.add(conn)
      this.#size++
    }
    return first
  }

  /** Removes a connection; true when it was the user's last (the user went offline). Idempotent. */
  remove(conn: C): boolean {
    const set = this.#byUser.get(conn.user.id)
    if (!set?.delete(conn)) return false
    this.#size--
    if (set.size > 0) return false
    this.#byUser.delete(conn.user.id)
    return true
  }

  has(conn: C): boolean {
    return this.#byUser.get(conn.user.id)?.has(conn) ?? false
  }

  /** The user's open connections (empty when offline). */
  connectionsOf(userId: number): ReadonlySet<C> {
    return this.#byUser.get(userId) ?? EMPTY
  }

  isOnline(userId: number): boolean {
    return this.#byUser.has(userId)
  }

  /** Every online user, once each. */
  onlineUsers(): PublicUser[] {
    const users: PublicUser[] = []
    for (const set of this.#byUser.values()) {
      const first = set.values().next().value
      if (first) users.push({ id: first.user.id, username: first.user.username })
    }
    return users
  }

  /** Every open connection. */
  * connections(): IterableIterator<C> {
    for (const set of this.#byUser.values()) yield* set
  }

  /** Open connections in all. */
  get size(): number {
    return this.#size
  }

  /** Users online. */
  get userCount(): number {
    return this.#byUser.size
  }
}

const EMPTY: ReadonlySet<never> = new Set()

/** The process-wide pool of this server instance. */
export const pool = new UserPool()
