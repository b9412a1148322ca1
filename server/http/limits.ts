import { useSettings } from '../infra/settings'
import { KeyedLimiter, TokenBucket } from './rateLimit'

let limiters: ReturnType<typeof createLimiters> | undefined

function createLimiters() {
  const s = useSettings()
  return {
    messages: new KeyedLimiter(s.messagesBurst, s.messagesPerSecond),
    upgrades: new KeyedLimiter(s.upgradesBurst, s.upgradesPerSecond),
    loginByUsername: new KeyedLimiter(s.loginAttemptsPerUsernamePerMinute, s.loginAttemptsPerUsernamePerMinute / 60),
    loginByAddress: new KeyedLimiter(s.loginAttemptsPerAddressPerMinute, s.loginAttemptsPerAddressPerMinute / 60),
    groupChanges: new KeyedLimiter(s.groupChangesPerMinute, s.groupChangesPerMinute / 60),
    searches: new KeyedLimiter(s.searchesPerMinute, s.searchesPerMinute / 60),
    peopleNamed: new KeyedLimiter(s.groupPeoplePerMinute, s.groupPeoplePerMinute / 60),
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
