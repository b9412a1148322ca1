/**
 * What this instance published may not have reached the others, and how that is repaired (the
 * effects are passed in, so it is tested without Redis). Every loss announces this instance again
 * (the presence script publishes each local user whose state Redis lacks, or every local user after
 * the others may have given this instance up: `lapsed`). A lost relay envelope (events, a group
 * line or receipt) also asks every instance to catch its sockets up from the database (a `resync`
 * envelope): each then re-reads every local socket, so resyncs go at most once per
 * `resyncEveryMs` (a loss meanwhile waits for the next). A lost presence change needs no resync:
 * the announce publishes it again. Repaired when the publisher connection is back (`ready`) and
 * on every lease tick: a loss on a healthy connection is repaired within a tick.
 */

/** `relay`: an envelope for sockets; `presence`: a presence change; `lapsed`: this instance may have been cleaned up. */
export type Loss = 'relay' | 'presence' | 'lapsed'

export interface RepairDeps {
  /** Registers this instance again; `full`: publishes every local user, not only what Redis lacks. */
  announce(full: boolean): Promise<void>
  /** Asks every instance to catch its sockets up from the database. */
  resync(): Promise<void>
  onError(error: unknown): void
  resyncEveryMs?: number
  now?(): number
}

/** The least time between two `resync` envelopes of one instance. */
export const RESYNC_EVERY_MS = 30_000

type Announce = 'none' | 'lean' | 'full'
const stronger = (a: Announce, b: Announce): Announce => (a === 'full' || b === 'full' ? 'full' : a === 'lean' || b === 'lean' ? 'lean' : 'none')

export function createRepair(deps: RepairDeps) {
  const every = deps.resyncEveryMs ?? RESYNC_EVERY_MS
  const now = deps.now ?? Date.now
  let announce: Announce = 'none'
  let resync = false
  let lastResync = -Infinity
  let running: Promise<void> | null = null

  async function repair(): Promise<void> {
    if (announce !== 'none') {
      const taken = announce
      announce = 'none'
      try {
        await deps.announce(taken === 'full')
      }
      catch (error) {
        announce = stronger(announce, taken)
        throw error
      }
    }
    if (resync && now() - lastResync >= every) {
      resync = false
      try {
        await deps.resync()
        lastResync = now()
      }
      catch (error) {
        resync = true
        throw error
      }
    }
  }

  return {
    /** Something published may be lost. */
    mark(loss: Loss = 'relay'): void {
      announce = stronger(announce, loss === 'lapsed' ? 'full' : 'lean')
      if (loss === 'relay') resync = true
    },
    /** Whether a repair is owed (a resync waiting for its spacing included). */
    get due(): boolean {
      return announce !== 'none' || resync
    },
    /** Repairs what is owed (once at a time; what failed stays owed). */
    run(): Promise<void> {
      if (running) return running
      if (announce === 'none' && !(resync && now() - lastResync >= every)) return Promise.resolve()
      running = repair()
        .catch(deps.onError)
        .finally(() => (running = null))
      return running
    },
  }
}
