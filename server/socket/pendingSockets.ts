/**
 * Sockets accepted at the upgrade but not yet registered in the pool (their welcome needs a
 * database read first), per user. The per-user socket cap counts them with the pool, so a burst of
 * simultaneous upgrades cannot get past it. A reservation ends when its socket joins or closes, or
 * expires after `ttlMs` (a handshake the client abandoned never opens). Pure: time is passed in.
 */
export class PendingSockets {
  readonly #byUser = new Map<number, Map<symbol, number>>()

  constructor(readonly ttlMs = 10_000) {}

  /** Reserves a place for one of the user's sockets; returns the token that releases it. */
  reserve(userId: number, now: number): symbol {
    const token = Symbol('socket')
    let mine = this.#byUser.get(userId)
    if (!mine) this.#byUser.set(userId, mine = new Map())
    mine.set(token, now + this.ttlMs)
    return token
  }

  /** The socket joined the pool or closed: its place is no longer pending. Idempotent. */
  release(userId: number, token: symbol | undefined): void {
    if (token === undefined) return
    const mine = this.#byUser.get(userId)
    if (mine?.delete(token) && mine.size === 0) this.#byUser.delete(userId)
  }

  /** The user's live reservations at `now` (expired ones are forgotten). */
  count(userId: number, now: number): number {
    const mine = this.#byUser.get(userId)
    if (!mine) return 0
    for (const [token, expiresAt] of mine) if (expiresAt <= now) mine.delete(token)
    if (mine.size === 0) this.#byUser.delete(userId)
    return mine.size
  }
}

/** This instance's pending sockets. */
export const pendingSockets = new PendingSockets()
