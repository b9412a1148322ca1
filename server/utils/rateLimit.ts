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

  /** Takes a token if there is one. */
  take(now: number): boolean {
    this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#at) / 1000) * this.perSecond)
    this.#at = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }

  /** Whether the bucket is full again at `now` (so it can be forgotten). */
  full(now: number): boolean {
    return this.#tokens + ((now - this.#at) / 1000) * this.perSecond >= this.capacity
  }
}

/**
 * Buckets by key (a user, an address, a username), created on first use and dropped once full
 * again, so the map holds only keys active in the last few seconds.
 */
export class KeyedLimiter {
  readonly #buckets = new Map<string, TokenBucket>()

  constructor(readonly capacity: number, readonly perSecond: number) {}

  take(key: string, now: number): boolean {
    let bucket = this.#buckets.get(key)
    if (!bucket) this.#buckets.set(key, bucket = new TokenBucket(this.capacity, this.perSecond, now))
    if (this.#buckets.size > 10_000) this.prune(now)
    return bucket.take(now)
  }

  /** Forgets keys whose bucket has refilled. */
  prune(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.full(now)) this.#buckets.delete(key)
    }
  }

  get size(): number {
    return this.#buckets.size
  }
}
