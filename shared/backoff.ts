/**
 * Retry delays: capped exponential backoff with full jitter, the jitter applied after the cap
 * (AWS Architecture Blog, "Exponential Backoff and Jitter"), so a thousand clients dropped at once
 * come back spread over the whole window instead of in lockstep at the cap. Pure: no timers. Used
 * by the client's reconnects and by the server's retries against Redis and the database (those
 * without jitter: one retrier each, nothing to spread).
 */
export interface BackoffOptions {
  baseMs: number
  capMs: number
  /** Growth per attempt; 2 doubles the window. */
  factor?: number
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number
  /** false: each delay is the whole window (base, base × factor, … up to the cap). */
  jitter?: boolean
}

export interface Backoff {
  /** The delay before the next attempt; counts the attempt. */
  duration(): number
  /** Back to the first attempt (after a successful connection). */
  reset(): void
  /** Attempts counted since the last reset. */
  readonly attempts: number
}

export function createBackoff({ baseMs, capMs, factor = 2, random = Math.random, jitter = true }: BackoffOptions): Backoff {
  let attempts = 0
  return {
    duration() {
      const window = Math.min(capMs, baseMs * factor ** attempts)
      attempts++
      return jitter ? Math.floor(random() * window) : window
    },
    reset() {
      attempts = 0
    },
    get attempts() {
      return attempts
    },
  }
}
