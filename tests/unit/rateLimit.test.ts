import { describe, expect, it } from 'vitest'
import { KeyedLimiter, TokenBucket } from '../../server/utils/rateLimit'

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

  it('forgets keys that have refilled, so it stays small', () => {
    const limiter = new KeyedLimiter(2, 1)
    for (let i = 0; i < 100; i++) limiter.take(`k${i}`, 0)
    limiter.prune(5000)
    expect(limiter.size).toBe(0)
  })
})
