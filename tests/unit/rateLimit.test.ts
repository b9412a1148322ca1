import { afterEach, describe, expect, it, vi } from 'vitest'
import { KeyedLimiter, TokenBucket } from '../../server/http/rateLimit'

describe('token bucket', () => {
  it('allows a burst of its capacity, then refuses', () => {
    const bucket = new TokenBucket(3, 1, 0)
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false])
  })

  it('refills at its rate, never above its capacity', () => {
    const bucket = new TokenBucket(2, 10, 0)
    bucket.take(0)
    bucket.take(0)
    expect(bucket.take(50)).toBe(false) // half a token
    expect(bucket.take(100)).toBe(true)
    expect(bucket.full(10_000)).toBe(true)
    expect([bucket.take(10_000), bucket.take(10_000), bucket.take(10_000)]).toEqual([true, true, false])
  })
})

describe('keyed limiter', () => {
  it('limits each key on its own', () => {
    const limiter = new KeyedLimiter(1, 1)
    expect(limiter.take('a', 0)).toBe(true)
    expect(limiter.take('a', 0)).toBe(false)
    expect(limiter.take('b', 0)).toBe(true)
  })

  it('forgets keys that have refilled as new ones come, so it shrinks back to the active keys', () => {
    const limiter = new KeyedLimiter(2, 1)
    for (let i = 0; i < 100; i++) limiter.take(`old${i}`, 0)
    expect(limiter.size).toBe(100)
    // Each later take drops up to two refilled keys while adding one: the map drains.
    for (let i = 0; i < 100; i++) limiter.take(`new${i % 3}`, 5000 + i)
    expect(limiter.size).toBe(3)
  })

  it('keeps a key that is still limited, however many others come and go', () => {
    const limiter = new KeyedLimiter(1, 0.001)
    expect(limiter.take('flooder', 0)).toBe(true)
    for (let i = 0; i < 1000; i++) limiter.take(`k${i}`, 10 + i)
    expect(limiter.take('flooder', 2000)).toBe(false)
  })

  afterEach(() => vi.restoreAllMocks())

  it('does a bounded amount of work per take, however many keys a flood left (amortised O(1))', () => {
    const limiter = new KeyedLimiter(5, 1)
    for (let i = 0; i < 50_000; i++) limiter.take(`bot${i}`, 0)
    const full = vi.spyOn(TokenBucket.prototype, 'full')
    for (let i = 0; i < 1000; i++) limiter.take(`late${i}`, 500)
    // Nothing has refilled at 0.5 s (5 tokens at 1/s), so nothing is dropped, and each take still
    // looked at one key only: the scan of the whole map that a take used to do is gone.
    expect(full.mock.calls.length).toBeLessThanOrEqual(1000)
    expect(limiter.size).toBe(51_000)
  })

  it('stays under its key cap during a flood of distinct keys', () => {
    const limiter = new KeyedLimiter(5, 1, 1000)
    for (let i = 0; i < 10_000; i++) limiter.take(`bot${i}`, 0)
    expect(limiter.size).toBe(1000)
  })
})
