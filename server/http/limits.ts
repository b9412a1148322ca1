import { useSettings } from '../infra/settings'
import { rateLimited } from '../metrics/registry'
import type { RateLimitKind } from '../metrics/registry'
import { KeyedLimiter, TokenBucket } from './rateLimit'

/** A keyed limiter whose refusals are counted (jizhan_rate_limited_total, by `kind`). */
class CountedLimiter extends KeyedLimiter {
  readonly #refused

  constructor(kind: RateLimitKind, capacity: number, perSecond: number) {
    super(capacity, perSecond)
    this.#refused = rateLimited[kind]
  }

  override take(key: string, now: number, n = 1): boolean {
    if (super.take(key, now, n)) return true
    this.#refused.n++
    return false
  }
}

let limiters: ReturnType<typeof createLimiters> | undefined

function createLimiters() {
  const s = useSettings()
  return {
    messages: new CountedLimiter('messages', s.messagesBurst, s.messagesPerSecond),
    upgrades: new CountedLimiter('upgrades', s.upgradesBurst, s.upgradesPerSecond),
    // (Sign-in asks the address first and stops there when refused: one refusal counts once.)
    loginByUsername: new CountedLimiter('sign_in', s.loginAttemptsPerUsernamePerMinute, s.loginAttemptsPerUsernamePerMinute / 60),
    loginByAddress: new CountedLimiter('sign_in', s.loginAttemptsPerAddressPerMinute, s.loginAttemptsPerAddressPerMinute / 60),
    groupChanges: new CountedLimiter('group_changes', s.groupChangesPerMinute, s.groupChangesPerMinute / 60),
    searches: new CountedLimiter('searches', s.searchesPerMinute, s.searchesPerMinute / 60),
    peopleNamed: new CountedLimiter('group_people', s.groupPeoplePerMinute, s.groupPeoplePerMinute / 60),
  }
}

/** The process-wide limiters (messages per user, upgrades per address, sign-ins), from the settings. */
export function useLimiters() {
  return limiters ??= createLimiters()
}

/** A new connection's own frame bucket. */
export function newFrameBucket(now: number): TokenBucket {
  const s = useSettings()
  return new TokenBucket(s.wsFramesBurst, s.wsFramesPerSecond, now)
}
