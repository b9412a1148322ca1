/**
 * What this instance published may not have reached the others (a publish failed, or a group's
 * members could not be read to route a line): it announces itself again (its presence script
 * publishes every local user's state once more) and asks every instance to catch its sockets up
 * from the database (a `resync` envelope). Repaired when the publisher connection is back (`ready`)
 * and, if it never went away, on the next lease tick: a loss on a healthy connection is repaired
 * within a tick, not left until some reconnect.
 */
export function createRepair(run: () => Promise<void>, onError: (error: unknown) => void) {
  let lost = false
  let running: Promise<void> | null = null
  return {
    /** Something published may be lost. */
    mark(): void {
      lost = true
    },
    get due(): boolean {
      return lost
    },
    /** Repairs if something was lost (once at a time; a failed repair stays due). */
    run(): Promise<void> {
      if (!lost) return running ?? Promise.resolve()
      if (running) return running
      lost = false
      running = run()
        .catch((error: unknown) => {
          lost = true
          onError(error)
        })
        .finally(() => (running = null))
      return running
    },
  }
}
