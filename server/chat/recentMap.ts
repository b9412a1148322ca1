/**
 * A small map of recent entries: each lapses `ttlMs` after it was set, and at most `max` are kept
 * (the oldest goes first). Pure: the caller passes the time, so a test needs no clock.
 */
export class RecentMap<K, V> {
  /** In the order they were set: the oldest first. */
  readonly #entries = new Map<K, { value: V, at: number }>()

  constructor(readonly max: number, readonly ttlMs: number) {}

  get size(): number {
    return this.#entries.size
  }

  /** The value set for `key` less than `ttlMs` ago, if any. */
  get(key: K, now: number): V | undefined {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    if (now - entry.at < this.ttlMs) return entry.value
    this.#entries.delete(key)
    return undefined
  }

  /** Sets `key` (as new: it lapses `ttlMs` from `now`), dropping lapsed entries and, when full, the oldest. */
  set(key: K, value: V, now: number): void {
    this.#entries.delete(key)
    for (const [k, entry] of this.#entries) {
      if (this.#entries.size < this.max && now - entry.at < this.ttlMs) break
      this.#entries.delete(k)
    }
    this.#entries.set(key, { value, at: now })
  }

  delete(key: K): void {
    this.#entries.delete(key)
  }
}
