/**
 * A token bucket: `capacity` tokens, refilled at `perSecond`; each action takes one. Pure (time is
 * passed in), so limits are tested without waiting.
 */
export class TokenBucket {
  #tokens: number
  #at: number

  constructor(readonly capacity: number, readonly perSecond: number, now: number) {
    this.#tokens = capacity
    this.#at = now
  }

  /** Takes `n` tokens (one action costing n) if there are that many. */
  take(now: number, n = 1): boolean {
    this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#at) / 1000) * this.perSecond)
    this.#at = now
    if (this.#tokens < n) return false
    this.#tokens -= n
    return true
  }

  /** Whether the bucket is full again at `now` (so it can be forgotten). */
  full(now: number): boolean {
    return this.#tokens + ((now - this.#at) / 1000) * this.perSecond >= this.capacity
  }
}

/** Least recently used keys looked at per `take`: each take adds at most one key and may drop two. */
const EVICT_PER_TAKE = 2

/**
 * Buckets by key (a user, an address, a username), created on first use. The map is kept in order
 * of last use, and each `take` looks only at the least recently used keys, forgetting them once
 * their bucket has refilled: amortised O(1) per take, so a flood of distinct keys (a botnet's
 * addresses) cannot make every take scan the whole map, and the map shrinks back to the keys
 * active in the last few seconds. Past `maxKeys` the least recently used key is forgotten even if
 * not yet refilled (it starts again with a full bucket): memory stays bounded under any flood.
 */
export class KeyedLimiter {
  readonly #buckets = new Map<string, TokenBucket>()

  constructor(readonly capacity: number, readonly perSecond: number, readonly maxKeys = 100_000) {}

  take(key: string, now: number, n = 1): boolean {
    let bucket = this.#buckets.get(key)
    if (bucket) this.#buckets.delete(key)
    else bucket = new TokenBucket(this.capacity, this.perSecond, now)
    // (Re-)inserted at the end: the first entries are the least recently used.
    this.#buckets.set(key, bucket)
    const allowed = bucket.take(now, n)
    this.#evict(now)
    return allowed
  }

  #evict(now: number): void {
    for (let i = 0; i < EVICT_PER_TAKE; i++) {
      const oldest = this.#buckets.entries().next().value
      if (!oldest) return
      const [key, bucket] = oldest
      if (this.#buckets.size <= this.maxKeys && !bucket.full(now)) return
      this.#buckets.delete(key)
    }
  }

  get size(): number {
    return this.#buckets.size
  }
}
