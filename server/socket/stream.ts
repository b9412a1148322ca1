/**
 * Per-connection position in the user's event stream, and the rule that makes delivery gapless and
 * duplicate-free: while a resume replays stored events, live events are held back; when the replay
 * has caught up, the held ones newer than the last sent position follow, in order. Pure: no I/O.
 */
export class StreamCursor {
  /** Position of the last event sent to this connection. */
  sentPos = 0
  /** Until the client's first `resume` (and during every replay) live events are held. */
  syncing = true
  #held: Array<{ pos: number, text: string }> = []
  #overflowed = false
  #gap = false
  #started = false

  constructor(private readonly maxHeld = 1000) {}

  /** A live event for this connection: the frames to send now (none while syncing). */
  live(pos: number, text: string): string[] {
    if (this.syncing) {
      // Every event is stored before it is relayed, so a held event that does not fit can be read
      // from the database again: the overflow is remembered and the replay does one more pass.
      if (this.#held.length < this.maxHeld) this.#held.push({ pos, text })
      else this.#overflowed = true
      return []
    }
    if (pos <= this.sentPos) return []
    if (pos > this.sentPos + 1) {
      // Events stored on other instances can arrive out of order, and pub/sub may lose one. Hold
      // this one; the caller reads the gap from the database (`takeGap`, then a replay).
      this.syncing = true
      this.#held.push({ pos, text })
      this.#gap = true
      return []
    }
    this.sentPos = pos
    return [text]
  }

  /** Whether `live` just found a gap the caller must fill with a replay from `sentPos`; once. */
  takeGap(): boolean {
    const gap = this.#gap
    this.#gap = false
    return gap
  }

  /** Whether a resume has begun at least once (before it, the client's own resume will read everything). */
  get started(): boolean {
    return this.#started
  }

  /** A resume from `cursor` starts: hold live events and replay what comes after the cursor. */
  begin(cursor: number): void {
    this.#started = true
    this.syncing = true
    this.sentPos = cursor
  }

  /**
   * Whether live events were dropped while holding. If so the held ones are forgotten too (they are
   * all in the database) and the caller must read after `sentPos` again before `finish()`.
   */
  takeOverflow(): boolean {
    if (!this.#overflowed) return false
    this.#overflowed = false
    this.#held = []
    return true
  }

  /** Stored events read by the replay, in order: the frames to send. */
  replay(events: ReadonlyArray<{ pos: number, text: string }>): string[] {
    const out: string[] = []
    for (const e of events) {
      if (e.pos <= this.sentPos) continue
      this.sentPos = e.pos
      out.push(e.text)
    }
    return out
  }

  /** The replay caught up: the held events not yet sent, in order; live delivery resumes. */
  finish(): string[] {
    const held = this.#held.sort((a, b) => a.pos - b.pos)
    this.#held = []
    this.syncing = false
    return this.replay(held)
  }

  get heldCount(): number {
    return this.#held.length
  }
}
