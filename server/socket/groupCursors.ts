/**
 * Per connection, for each group it follows, the seq of the last line sent: the rule that makes a
 * group's lines reach a socket in order, with no gap and no repeat. A line ahead of a missing one
 * is kept (lines of one batch are answered through different connections' queues; another
 * instance's come over pub/sub, which may lose one) until the gap fills, or, when it does not
 * within a turn, the caller reads the gap from storage. Pure: no I/O.
 */
export class GroupCursors {
  readonly #sent = new Map<string, number>()
  /** By group: lines that came early, by seq (null: this socket's own line, already acknowledged). */
  readonly #early = new Map<string, Map<number, string | null>>()

  constructor(private readonly maxEarly = 1000) {}

  /** Follows a group from `seq` on (a resume, or the user joined it); a group followed already keeps its place. */
  follow(conv: string, seq: number): void {
    if (!this.#sent.has(conv)) this.#sent.set(conv, seq)
  }

  /**
   * The user joined (again) after `seq`: follow from there, or from where the socket is if that is
   * further (a position left from an earlier membership must not wait for lines that are not theirs).
   */
  rejoin(conv: string, seq: number): void {
    const sent = this.#sent.get(conv)
    if (sent === undefined || sent < seq) {
      this.#sent.set(conv, seq)
      const early = this.#early.get(conv)
      if (early) for (const s of early.keys()) if (s <= seq) early.delete(s)
    }
  }

  /** Stops following a group (the user left it): nothing more of it is sent. */
  unfollow(conv: string): void {
    this.#sent.delete(conv)
    this.#early.delete(conv)
  }

  /** Starts over (a new resume): follows nothing until told. */
  reset(): void {
    this.#sent.clear()
    this.#early.clear()
  }

  position(conv: string): number | undefined {
    return this.#sent.get(conv)
  }

  get groups(): string[] {
    return [...this.#sent.keys()]
  }

  /**
   * A live line: the texts to send now, in order. `text` null: this socket sent the line and got
   * its ack, so it only moves the position. A group not followed gets nothing (its resume reads it).
   */
  live(conv: string, seq: number, text: string | null): string[] {
    const sent = this.#sent.get(conv)
    if (sent === undefined || seq <= sent) return []
    if (seq > sent + 1) {
      const early = this.#early.get(conv) ?? this.#early.set(conv, new Map()).get(conv)!
      if (early.size < this.maxEarly) early.set(seq, text)
      return []
    }
    return this.#advance(conv, seq, text)
  }

  /**
   * Lines read from storage after the position, in order: the texts to send. Storage returns only
   * the lines that are the user's, so when the first one is past the next seq, those between are
   * not theirs (before they joined): the position moves over them.
   */
  replay(conv: string, lines: ReadonlyArray<{ seq: number, text: string }>): string[] {
    const out: string[] = []
    const first = lines[0]
    const at = this.#sent.get(conv)
    if (first && at !== undefined && first.seq > at + 1) this.#sent.set(conv, first.seq - 1)
    for (const line of lines) {
      const sent = this.#sent.get(conv)
      if (sent === undefined) break
      if (line.seq !== sent + 1) continue
      const early = this.#early.get(conv)
      // Acknowledged already (this socket's own line): the position moves, nothing is sent.
      const text = early?.get(line.seq) === null ? null : line.text
      out.push(...this.#advance(conv, line.seq, text))
    }
    return out
  }

  /**
   * Retention deleted the group's lines up to `seq`, past the position: follow from there (the
   * caller tells the client so). False when the group is not followed or already past `seq`.
   */
  trim(conv: string, seq: number): boolean {
    const sent = this.#sent.get(conv)
    if (sent === undefined || seq <= sent) return false
    this.#sent.set(conv, seq)
    const early = this.#early.get(conv)
    if (early) for (const s of early.keys()) if (s <= seq) early.delete(s)
    if (early?.size === 0) this.#early.delete(conv)
    return true
  }

  /** The groups whose lines wait behind a missing one. */
  gaps(): string[] {
    return [...this.#early].filter(([, early]) => early.size > 0).map(([conv]) => conv)
  }

  #advance(conv: string, seq: number, text: string | null): string[] {
    const out = text === null ? [] : [text]
    let at = seq
    const early = this.#early.get(conv)
    early?.delete(at)
    while (early?.has(at + 1)) {
      const next = early.get(++at)!
      early.delete(at)
      if (next !== null) out.push(next)
    }
    if (early && early.size > 0) for (const s of early.keys()) if (s <= at) early.delete(s)
    if (early?.size === 0) this.#early.delete(conv)
    this.#sent.set(conv, at)
    return out
  }
}
