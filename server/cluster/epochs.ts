/**
 * Presence anti-entropy by epoch (issue 15), pure. Each instance numbers its presence changes (its
 * epoch, kept in Redis beside its presence hash and carried by every presence envelope). Another
 * instance remembers the epoch it has applied of each; a lease tick reads all epochs in one MGET and
 * re-reads the whole hash only of an instance whose epoch differs from what it applied (an envelope
 * was lost, or one still in flight). Upkeep is O(instances + changes) per tick, not O(users online).
 */
export class PresenceEpochs {
  /** Instance → the epoch applied; NaN when something is known to be missing (re-read it). */
  readonly #seen = new Map<string, number>()

  /** A presence change of `instance`: whether to apply it (an older one is already in a re-read). */
  change(instance: string, epoch: number | undefined): boolean {
    const seen = this.#seen.get(instance)
    if (epoch !== undefined && seen !== undefined && epoch <= seen) return false
    // In sequence, the picture stays whole; after a gap (or from a sender without epochs) it is
    // applied but the next tick reads the instance again.
    this.#seen.set(instance, epoch !== undefined && seen === epoch - 1 ? epoch : Number.NaN)
    return true
  }

  /** Everything `instance` has (its announcement, or a re-read): whether to apply it. */
  snapshot(instance: string, epoch: number | undefined): boolean {
    const seen = this.#seen.get(instance)
    if (epoch !== undefined && seen !== undefined && epoch < seen) return false
    this.#seen.set(instance, epoch ?? Number.NaN)
    return true
  }

  /** The instances to read again: those whose epoch in Redis (MGET replies, in order) is not the one applied. */
  stale(instances: readonly string[], epochs: readonly unknown[]): string[] {
    return instances.filter((id, i) => Number(epochs[i] ?? Number.NaN) !== this.#seen.get(id))
  }

  /** The instance left or its lease lapsed. */
  forget(instance: string): void {
    this.#seen.delete(instance)
  }
}
