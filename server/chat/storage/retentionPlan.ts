/**
 * Message retention's decisions, pure: where the cut-off is, which messages of a batch go, where
 * each user's stream is cut, and whether a run goes on. The SQL is retention.ts (and
 * sqlite/retention.ts), the timers ../retention.ts.
 */

/** Messages examined (and at most deleted) per transaction. */
export const RETENTION_BATCH = 500
/** Pause between two batches of one run, so the relay's writes go first. */
export const RETENTION_PAUSE_MS = 100
/** A run after each such interval (it ends when nothing old is left). */
export const RETENTION_EVERY_MS = 10 * 60_000
/** The first run after start-up: not in the middle of the start itself. */
export const RETENTION_FIRST_RUN_MS = 5_000

const DAY_MS = 86_400_000

/** Messages stored before this time (ms) are deleted; null when retention is off (0 days). */
export function retentionCutoff(now: number, days: number): number | null {
  return days > 0 ? now - days * DAY_MS : null
}

/** A message as the scan sees it, in id order (the order they were stored). */
export interface MessageAge { id: number, conversationId: string, createdAt: number }

/** Where a run's scan is: after this id; conversations whose older messages must stay (see planBatch). */
export interface ScanState { after: number, blocked: ReadonlySet<string> }

export const scanStart = (): ScanState => ({ after: 0, blocked: new Set() })

export interface BatchPlan {
  /** Messages to delete, in id order. */
  ids: number[]
  next: ScanState
  /** Another batch may find more to delete. */
  more: boolean
}

/**
 * Which of the next messages by id go: those older than the cut-off. Within a conversation they go
 * in seq order only (its seqs follow its ids), so its history never has a hole: a message that is
 * not old enough (a clock that ran ahead) keeps the later ones of its conversation until it is,
 * without holding up the other conversations. The scan goes on while a full batch had an old
 * message; the first batch with none is the present.
 */
export function planBatch(rows: readonly MessageAge[], cutoff: number, state: ScanState, limit: number): BatchPlan {
  const blocked = new Set(state.blocked)
  const ids: number[] = []
  let anyOld = false
  for (const row of rows) {
    if (row.createdAt >= cutoff) blocked.add(row.conversationId)
    else {
      anyOld = true
      if (!blocked.has(row.conversationId)) ids.push(row.id)
    }
  }
  return { ids, next: { after: rows.at(-1)?.id ?? state.after, blocked }, more: rows.length >= limit && anyOld }
}

/**
 * Where each user's stream is cut: at the newest event of a deleted message (`rows`: the events of
 * the batch's messages). Everything before it in that stream goes too — receipts, and events of
 * older messages — so a stream stays gapless after its cut. Users in ascending id order.
 */
export function streamCuts(rows: ReadonlyArray<{ userId: number, pos: number }>): Array<{ userId: number, upTo: number }> {
  const cuts = new Map<number, number>()
  for (const { userId, pos } of rows) cuts.set(userId, Math.max(cuts.get(userId) ?? 0, pos))
  return [...cuts].sort(([a], [b]) => a - b).map(([userId, upTo]) => ({ userId, upTo }))
}

/**
 * Where a replay goes on after a read of what follows `sentPos`: its first position (or seq) minus
 * one when the read skipped some — those were deleted by retention — else `sentPos`. An empty read
 * is decided by the caller, which asks storage where the kept part starts.
 */
export function trimmedBefore(sentPos: number, first: number | undefined): number {
  return first !== undefined && first > sentPos + 1 ? first - 1 : sentPos
}
