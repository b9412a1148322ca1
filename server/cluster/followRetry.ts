import { createBackoff } from '#shared/backoff'

/**
 * Presence channels whose SUBSCRIBE Redis refused or did not confirm in time (follow.ts resolves
 * `false`): nothing else would subscribe them again before a reconnect, and that person's changes
 * would go unseen meanwhile. They are subscribed afresh after `retryMs`, doubling up to 30 s while
 * any still fails, as long as someone here watches them; each one confirmed is read again (its
 * changes before that were missed). One round at a time, for all of them.
 */
export interface FollowRetryDeps {
  /** Subscribes afresh (dropping the failed or unconfirmed SUBSCRIBE); `true` once confirmed. */
  resubscribe(id: number): Promise<boolean>
  /** Whether someone here still watches them. */
  wanted(id: number): boolean
  /** These are followed at last: read their state. */
  confirmed(ids: number[]): void
  retryMs?: number
  setTimer?(run: () => void, ms: number): unknown
}

export function createFollowRetry(deps: FollowRetryDeps) {
  const backoff = createBackoff({ baseMs: deps.retryMs ?? 1000, capMs: 30_000, jitter: false })
  const setTimer = deps.setTimer ?? ((run, ms) => setTimeout(run, ms).unref())
  const due = new Set<number>()
  /** A round is waiting or running (one at a time: ids failing meanwhile join the next). */
  let busy = false
  let stopped = false

  function schedule(): void {
    if (busy || stopped || due.size === 0) return
    busy = true
    setTimer(() => void round(), backoff.duration())
  }

  async function round(): Promise<void> {
    if (stopped) return
    const ids = [...due].filter(id => deps.wanted(id))
    due.clear()
    const results = await Promise.all(ids.map(id => deps.resubscribe(id).catch(() => false)))
    const failed = ids.filter((_, i) => !results[i])
    for (const id of failed) due.add(id)
    if (failed.length === 0) backoff.reset()
    busy = false
    const confirmed = ids.filter((id, i) => results[i] && deps.wanted(id))
    if (confirmed.length > 0) deps.confirmed(confirmed)
    schedule()
  }

  return {
    /** These subscriptions failed: try them again later. */
    add(ids: readonly number[]): void {
      for (const id of ids) due.add(id)
      schedule()
    },
    /** The instance left the cluster: nothing is retried any more. */
    stop(): void {
      stopped = true
      due.clear()
    },
  }
}
