import { KeyedLimiter, TokenBucket } from './rateLimit'

/** WebSocket and sign-in limits, from runtime config (docs: README configuration table). */

/** Symbol under which the raw socket records whether the frame being handled was binary. */
export const BINARY_FLAG = Symbol('jizhan.lastFrameBinary')

/** A config value as a positive integer; anything else falls back to the default. */
export function positiveInt(value: unknown, fallback: number): number {
  const n = Number(value)
  return Number.isSafeInteger(n) && n > 0 ? n : fallback
}

/** The same, where 0 is meaningful (e.g. "no window"). */
export function nonNegativeInt(value: unknown, fallback: number): number {
  const n = Number(value)
  return Number.isSafeInteger(n) && n >= 0 ? n : fallback
}

/** Largest frame accepted (bytes); larger ones close the connection with 1009 before buffering. */
export function wsMaxFrameBytes(): number {
  return positiveInt(useRuntimeConfig().wsMaxFrameBytes, 64 * 1024)
}

/** Invalid frames in a row after which the connection is closed with 1008. */
export function wsMaxInvalidFrames(): number {
  return positiveInt(useRuntimeConfig().wsMaxInvalidFrames, 10)
}

/** Rate-limited frames in a row after which the connection is closed with 4029. */
export const MAX_LIMITED_IN_A_ROW = 100

let limiters: ReturnType<typeof createLimiters> | undefined

function createLimiters() {
  const c = useRuntimeConfig()
  const perMinute = (n: unknown, fallback: number) => positiveInt(n, fallback) / 60
  return {
    messages: new KeyedLimiter(positiveInt(c.messagesBurst, 30), positiveInt(c.messagesPerSecond, 10)),
    upgrades: new KeyedLimiter(positiveInt(c.upgradesBurst, 60), positiveInt(c.upgradesPerSecond, 10)),
    loginByUsername: new KeyedLimiter(positiveInt(c.loginAttemptsPerUsernamePerMinute, 10), perMinute(c.loginAttemptsPerUsernamePerMinute, 10)),
    loginByAddress: new KeyedLimiter(positiveInt(c.loginAttemptsPerAddressPerMinute, 60), perMinute(c.loginAttemptsPerAddressPerMinute, 60)),
  }
}

/** The process-wide limiters (messages per user, upgrades per address, sign-ins). */
export function useLimiters() {
  return limiters ??= createLimiters()
}

/** A new connection's own frame bucket. */
export function newFrameBucket(now: number): TokenBucket {
  const c = useRuntimeConfig()
  return new TokenBucket(positiveInt(c.wsFramesBurst, 60), positiveInt(c.wsFramesPerSecond, 30), now)
}

/** Most sockets one user may have open on this instance. */
export function wsMaxConnectionsPerUser(): number {
  return positiveInt(useRuntimeConfig().wsMaxConnectionsPerUser, 20)
}

/** Bytes buffered for one socket beyond which it is closed as a slow consumer. */
export function wsMaxBufferedBytes(): number {
  return positiveInt(useRuntimeConfig().wsMaxBufferedBytes, 1024 * 1024)
}
