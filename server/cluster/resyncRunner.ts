import { createBackoff } from '#shared/backoff'

/**
 * The catch-ups asked of this instance (a `resync` from any instance, or its own subscriber
 * reconnect: every local socket read again from the database). One runs at a time; any asked
 * meanwhile become one more run after it, not one each (a database hiccup makes every instance ask
 * within seconds). A run that fails — the database down, often the very reason a line was lost — is
 * tried again after `firstDelayMs`, doubling up to `capMs`, until one succeeds: a resync is sent
 * once, so nothing else would repeat it.
 */
export interface ResyncRunnerOptions {
  onError(error: unknown): void
  firstDelayMs?: number
  capMs?: number
  setTimer?(run: () => void, ms: number): unknown
}

export function createResyncRunner(run: () => Promise<void>, options: ResyncRunnerOptions) {
  const backoff = createBackoff({ baseMs: options.firstDelayMs ?? 1000, capMs: options.capMs ?? 30_000, jitter: false })
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms).unref())
  /** A run is under way, or waiting to be tried again. */
  let busy = false
  let again = false

  function start(): void {
    busy = true
    again = false
    run().then(() => {
      backoff.reset()
      busy = false
      if (again) start()
    }, (error: unknown) => {
      options.onError(error)
      // (Asked again meanwhile or not: the retry covers it.)
      setTimer(start, backoff.duration())
    })
  }

  return {
    /** A catch-up is needed: now, or once the one under way is done. */
    request(): void {
      if (busy) again = true
      else start()
    },
  }
}
