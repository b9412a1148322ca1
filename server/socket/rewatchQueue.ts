/**
 * Who is due to watch their contacts again (watchContacts.ts), handed out in bounded batches. Users a
 * change named (a conversation started, a group's members changed) go first; the rest of a resync
 * (every local user) after them, so a resync's long tail never delays a change someone just made.
 * Each user once, however often they were named meanwhile. Pure: the caller runs the batches.
 */
export class RewatchQueue {
  // (Disjoint: a user is in one of them at most.)
  readonly #named = new Set<number>()
  readonly #everyone = new Set<number>()

  get size(): number {
    return this.#named.size + this.#everyone.size
  }

  /** These users' contacts changed. */
  name(userIds: Iterable<number>): void {
    for (const id of userIds) {
      this.#everyone.delete(id)
      this.#named.add(id)
    }
  }

  /** Anyone's contacts may have changed (a resync): these are all the users here. */
  everyone(userIds: Iterable<number>): void {
    for (const id of userIds) if (!this.#named.has(id)) this.#everyone.add(id)
  }

  /** The next users to watch again, at most `max`: the named ones first. */
  take(max: number): number[] {
    const batch: number[] = []
    for (const from of [this.#named, this.#everyone]) {
      for (const id of from) {
        if (batch.length >= max) return batch
        from.delete(id)
        batch.push(id)
      }
    }
    return batch
  }
}
