/**
 * Deleting expired sessions and tickets (server/plugins/heartbeat.ts, every ten minutes) in
 * bounded passes: one pass of `deleteExpiredSessions` removes at most a batch of each, so a backlog
 * larger than a batch (a burst of sign-ups a month ago) needs more passes in the same run, with a
 * pause between them so the relay's writes keep going. A run stops after `maxPasses`; the next
 * run goes on.
 */

/** Rows of each table one pass deletes. */
export const EXPIRY_BATCH = 1000
/** Between passes: the writer serves the relay meanwhile (as retention's batches do). */
export const EXPIRY_PAUSE_MS = 100
/** Passes in one run at most: 50 000 sessions and tickets each every ten minutes. */
export const EXPIRY_MAX_PASSES = 50

export interface ExpiryOptions {
  batch?: number
  pauseMs?: number
  maxPasses?: number
  /** Asked between passes: true ends the run there (shutdown). */
  stopped?: () => boolean
}

/** What one run deleted, and in how many passes. */
export interface ExpiryRun { sessions: number, tickets: number, passes: number }

/**
 * Runs `pass(limit)` while the previous pass deleted a full batch of either table, up to
 * `maxPasses` times.
 */
export async function expireInPasses(pass: (limit: number) => Promise<{ sessions: number, tickets: number }>, options: ExpiryOptions = {}): Promise<ExpiryRun> {
  const limit = options.batch ?? EXPIRY_BATCH
  const maxPasses = options.maxPasses ?? EXPIRY_MAX_PASSES
  const run: ExpiryRun = { sessions: 0, tickets: 0, passes: 0 }
  for (;;) {
    const done = await pass(limit)
    run.sessions += done.sessions
    run.tickets += done.tickets
    run.passes++
    const full = done.sessions >= limit || done.tickets >= limit
    if (!full || run.passes >= maxPasses || options.stopped?.()) return run
    await new Promise(resolve => setTimeout(resolve, options.pauseMs ?? EXPIRY_PAUSE_MS))
    if (options.stopped?.()) return run
  }
}
