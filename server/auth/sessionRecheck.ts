/**
 * Checks cached sessions against the database again, several users' at once: the calls made while
 * one check is queued share one read (in a reconnect wave, thousands of users arrive on an
 * instance within moments). `read` answers which of the hashes are still live.
 */
export function createSessionRecheck(read: (hashes: string[]) => Promise<Set<string>>, defer: (run: () => void) => void = setImmediate) {
  let queued: { hashes: Set<string>, done: Promise<Set<string>> } | null = null
  /** Resolves with the hashes among these that ended (rejects if the read failed). */
  return async function ended(hashes: readonly string[]): Promise<string[]> {
    if (hashes.length === 0) return []
    if (!queued) {
      const batch = { hashes: new Set<string>(), done: null as unknown as Promise<Set<string>> }
      batch.done = new Promise<Set<string>>((resolve, reject) => defer(() => {
        queued = null
        read([...batch.hashes]).then(resolve, reject)
      }))
      queued = batch
    }
    for (const h of hashes) queued.hashes.add(h)
    const live = await queued.done
    return hashes.filter(h => !live.has(h))
  }
}
