/**
 * This browser's position in the user's event stream (`frame.pos`, gapless per user). Events are
 * applied in order and once: an old one is ignored, one that skips a position means frames were
 * missed, so the stream is resumed from the position instead. The server's side of the same rule is
 * server/utils/stream.ts. Pure: the caller sends the resume and stores the position.
 */
export type StreamVerdict = 'apply' | 'ignore' | 'gap'

export function createStreamCursor() {
  /** Position of the last event applied; null until the first welcome of this page. */
  let pos: number | null = null
  /** A resume was sent on this link and its replay has not caught up yet. */
  let resuming = false

  return {
    get pos(): number | null {
      return pos
    },

    /**
     * A new link was welcomed. A page continues from its own position, else from the one `stored` by
     * an earlier page; a first visit starts at the head (what came before is history). A position past
     * the head (a reset server) is dropped.
     */
    welcome(stored: number | null, head: number): void {
      pos ??= stored
      if (pos === null || pos > head) pos = head
      resuming = false
    },

    /** Where a resume should start, or null when one is under way (or no link was welcomed yet). */
    resumeFrom(): number | null {
      return resuming ? null : pos
    },

    /** The resume request went out: no other until this replay has caught up or the link is lost. */
    resumeSent(): void {
      resuming = true
    },

    /** The replay caught up (`synced`), or the link was lost: a later gap may ask again. */
    resumeDone(): void {
      resuming = false
    },

    /** What to do with the event at `eventPos`; on `apply` the position moves to it. */
    accept(eventPos: number): StreamVerdict {
      if (pos === null || eventPos <= pos) return 'ignore'
      if (eventPos > pos + 1) return 'gap'
      pos = eventPos
      return 'apply'
    },

    /**
     * The server deleted the stream up to `to` (message retention; the `trimmed` frame): the
     * position moves there, with no gap. True when it moved: events this page never applied are gone.
     */
    trim(to: number): boolean {
      if (pos === null || to <= pos) return false
      pos = to
      return true
    },

    /** Another user on this page: start over. */
    reset(): void {
      pos = null
      resuming = false
    },
  }
}

export type StreamCursor = ReturnType<typeof createStreamCursor>
