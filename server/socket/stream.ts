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
  /** Live events that came ahead of a missing position (not syncing), by position. */
  readonly #early = new Map<number, string>()
  /** This connection's own copies of events not sent yet (acks), by position. */
  readonly #own = new Map<number, string>()
  #overflowed = false
  #started = false

  constructor(private readonly maxHeld = 1000) {}

  /**
   * A live event for this connection: the frames to send now (none while syncing). `own`: this
   * connection's own copy (the ack of a message it sent): it stands in for the stored event if a
   * replay reads that position from the database, and goes out on its own if a replay already
   * sent that position, so every send gets its ack.
   */
  live(pos: number, text: string, own = false): string[] {
    // Sent already. An own copy still goes out: a replay read that position from the database
    // (the plain copy) before this connection's answer ran, and the send is owed its ack (whose
    // position is then no news to the client's cursor).
    if (pos <= this.sentPos) return own ? [text] : []
    if (own) this.#own.set(pos, text)
    if (this.syncing) {
      // Every event is stored before it is relayed, so a held event that does not fit can be read
      // from the database again: the overflow is remembered and the replay does one more pass.
      if (this.#held.length < this.maxHeld) this.#held.push({ pos, text })
      else this.#overflowed = true
      return []
    }
    if (pos > this.sentPos + 1) {
      // Ahead of a missing position: events of one batch are answered through different
      // connections' queues, events of other instances come over pub/sub (which may lose one).
      // Kept; the missing one usually arrives within the turn. If not (`hasGap` a turn later),
      // the caller reads the gap from the database (a replay from `sentPos`).
      if (this.#early.size < this.maxHeld) this.#early.set(pos, text)
      return []
    }
    this.sentPos = pos
    this.#own.delete(pos)
    const out = [text]
    for (let next = this.#early.get(pos + 1); next !== undefined; next = this.#early.get(this.sentPos + 1)) {
      this.#early.delete(++this.sentPos)
      this.#own.delete(this.sentPos)
      out.push(next)
    }
    return out
  }

  /** Whether live events wait behind a missing position (to be read from the database if it stays missing). */
  hasGap(): boolean {
    return this.#early.size > 0 && !this.syncing
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
    // Early events are stored like any other: the replay reads them, or they follow it (finish).
    for (const [pos, text] of this.#early) this.#held.push({ pos, text })
    this.#early.clear()
    for (const pos of this.#own.keys()) if (pos <= cursor) this.#own.delete(pos)
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

  /**
   * Retention deleted the stored events up to `pos`, past what was sent: the stream goes on after
   * it (the caller tells the client so). False when `pos` is not past what was sent.
   */
  trim(pos: number): boolean {
    if (pos <= this.sentPos) return false
    this.sentPos = pos
    for (const own of this.#own.keys()) if (own <= pos) this.#own.delete(own)
    return true
  }

  /** Stored events read by the replay, in order: the frames to send. */
  replay(events: ReadonlyArray<{ pos: number, text: string }>): string[] {
    const out: string[] = []
    for (const e of events) {
      if (e.pos <= this.sentPos) continue
      this.sentPos = e.pos
      const own = this.#own.get(e.pos)
      this.#own.delete(e.pos)
      out.push(own ?? e.text)
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
