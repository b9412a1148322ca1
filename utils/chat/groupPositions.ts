/**
 * Where this browser is in each group it shows: the last seq it has of each, which the next `resume`
 * lists so that the server replays what came after (docs/protocol.md §11). A socket gets the lines of
 * a group in seq order without gaps, so a line that skips a seq means lines were missed: the caller
 * drops it and resumes, and the replay fills the hole, as for the stream cursor (streamCursor.ts).
 * Own lines acknowledged ahead of the position are remembered, so the position moves past them
 * whether or not the server also sends the sending socket its own copy. Pure: the caller persists
 * the positions and sends the resume.
 */
export type GroupVerdict = 'apply' | 'ignore' | 'gap'

export function createGroupPositions() {
  const positions = new Map<string, number>()
  /** Per group, seqs of own lines acknowledged beyond the position. */
  const ahead = new Map<string, Set<number>>()

  /** Moves to `seq`, then past every own line already acknowledged right after it. */
  function moveTo(conv: string, seq: number) {
    const acked = ahead.get(conv)
    let at = seq
    while (acked?.delete(at + 1)) at++
    for (const s of acked ?? []) if (s <= at) acked!.delete(s)
    positions.set(conv, at)
  }

  return {
    /** The last seq this browser has of the group, or undefined when it follows no position there. */
    get: (conv: string): number | undefined => positions.get(conv),

    /** This browser has the group up to `seq` by other means (its newest page, the groups list, joining). */
    raise(conv: string, seq: number): boolean {
      const at = positions.get(conv)
      if (at !== undefined && at >= seq) return false
      moveTo(conv, seq)
      return true
    },

    /**
     * What to do with a line of `conv` at `seq` that arrived on the socket; on `apply` the position
     * moves to it. A group without a position starts at its first line seen.
     */
    accept(conv: string, seq: number): GroupVerdict {
      const at = positions.get(conv)
      if (at !== undefined && seq <= at) return 'ignore'
      if (at !== undefined && seq > at + 1) return 'gap'
      moveTo(conv, seq)
      return 'apply'
    },

    /** The server stored an own line at `seq`: the position moves past it once it is reached. */
    acked(conv: string, seq: number): void {
      const at = positions.get(conv)
      if (at === undefined || seq <= at) return
      if (seq === at + 1) return moveTo(conv, seq)
      ahead.set(conv, (ahead.get(conv) ?? new Set()).add(seq))
    },

    /** No longer shown (left, removed): the group is not resumed any more. */
    forget(conv: string): void {
      positions.delete(conv)
      ahead.delete(conv)
    },

    /** `[group, seq]` for every group with a position: the `groups` of a resume. */
    entries: (): Array<[string, number]> => [...positions],

    /** Another user on this page: start over. */
    reset(): void {
      positions.clear()
      ahead.clear()
    },
  }
}

export type GroupPositions = ReturnType<typeof createGroupPositions>
