/**
 * A subscriber connection can hang half-open: its status stays 'ready' and the publisher's PING
 * answers, yet no SUBSCRIBE is confirmed, and every joining socket waits FOLLOW_WAIT_MS for a 1013.
 * When a SUBSCRIBE is late (follow.ts), the connection is made to reconnect (its `ready`
 * subscribes everything again and catches the sockets up), at most once per `gapMs`: a later one
 * waits for the gap, never dropped (readiness fails meanwhile, so no join may come to ask again).
 * Overdue until the connection is new again.
 */

export interface StuckSubscriberDeps {
  reconnect(): void
  gapMs?: number
  now?(): number
  setTimer?(run: () => void, ms: number): unknown
  clearTimer?(timer: unknown): void
}

/** The least time between two forced reconnects (each one catches every local socket up). */
export const RECONNECT_GAP_MS = 30_000

export function createStuckSubscriber(deps: StuckSubscriberDeps) {
  const gapMs = deps.gapMs ?? RECONNECT_GAP_MS
  const now = deps.now ?? Date.now
  const setTimer = deps.setTimer ?? ((run, ms) => setTimeout(run, ms).unref())
  const clearTimer = deps.clearTimer ?? (timer => clearTimeout(timer as ReturnType<typeof setTimeout>))
  let overdue = false
  let last = -Infinity
  let timer: unknown = null

  const reconnect = () => {
    timer = null
    last = now()
    deps.reconnect()
  }

  return {
    /** A SUBSCRIBE was not confirmed in time. */
    late(): void {
      overdue = true
      if (timer !== null) return
      const wait = last + gapMs - now()
      if (wait <= 0) reconnect()
      else timer = setTimer(reconnect, wait)
    },
    /** The connection is new (`ready`): what was late on the old one is not any more. */
    ready(): void {
      overdue = false
      this.stop()
    },
    /** No reconnect waiting any more (also on leaving the cluster). */
    stop(): void {
      if (timer !== null) clearTimer(timer)
      timer = null
    },
    /** Whether a SUBSCRIBE was late on this connection (readiness fails meanwhile). */
    get overdue(): boolean {
      return overdue
    },
  }
}
