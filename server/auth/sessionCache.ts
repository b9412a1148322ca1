import type { Identity } from './identity'

/** Why a session ended: its sockets are closed with 4001, or with 4003 when its account was disabled. */
export type SessionEnd = 'session_ended' | 'account_disabled'

/**
 * Sessions this instance looked up recently, and sessions it saw end. A user's tabs and devices
 * share one session, and a reconnect wave opens thousands of sockets: each session is read from
 * the database once per `ttlMs`, not once per socket. A session that ended here (sign-out,
 * password change, expiry, or another instance's word) is forgotten at once and remembered as
 * ended for `endedTtlMs`, so a socket that was being let in while it ended is caught at join
 * without asking the database again. Pure: time is passed in.
 */
export class SessionCache {
  readonly #live = new Map<string, { identity: Identity, until: number }>()
  readonly #ended = new Map<string, { until: number, why: SessionEnd }>()

  constructor(readonly ttlMs = 5_000, readonly endedTtlMs = 60_000, readonly maxEntries = 100_000) {}

  /** The cached identity of a live session, or undefined (not cached, stale or expired). */
  get(sessionHash: string, now: number): Identity | undefined {
    const entry = this.#live.get(sessionHash)
    if (!entry) return undefined
    if (entry.until <= now || entry.identity.sessionExpiresAt <= now) {
      this.#live.delete(sessionHash)
      return undefined
    }
    return entry.identity
  }

  /** Remembers a session just read from the database (unless it ended meanwhile). */
  set(identity: Identity, now: number): void {
    if (this.isEnded(identity.sessionHash, now)) return
    // Bounded: the oldest entry goes first (insertion order); it is read again when next needed.
    if (this.#live.size >= this.maxEntries) this.#live.delete(this.#live.keys().next().value!)
    this.#live.set(identity.sessionHash, { identity, until: now + this.ttlMs })
  }

  /** These sessions ended: forget them, and remember that they ended, and why. */
  end(sessionHashes: readonly string[], now: number, why: SessionEnd = 'session_ended'): void {
    for (const hash of sessionHashes) {
      this.#live.delete(hash)
      // (Re-inserted, so the map stays in expiry order for the sweep below.)
      this.#ended.delete(hash)
      this.#ended.set(hash, { until: now + this.endedTtlMs, why })
    }
    for (const [hash, { until }] of this.#ended) {
      if (until > now) break
      this.#ended.delete(hash)
    }
  }

  /** Whether the session was seen to end within the last `endedTtlMs`. */
  isEnded(sessionHash: string, now: number): boolean {
    return this.endedWhy(sessionHash, now) !== undefined
  }

  /** Why the session ended, if it was seen to end within the last `endedTtlMs`. */
  endedWhy(sessionHash: string, now: number): SessionEnd | undefined {
    const entry = this.#ended.get(sessionHash)
    return entry && entry.until > now ? entry.why : undefined
  }
}

/** This instance's session cache. */
export const sessionCache = new SessionCache()
