import { createBackoff } from '#shared/backoff'

/**
 * Subscribing again after the subscriber (re)connected. ioredis's own restore is off
 * (`autoResubscribe: false`, redis.ts): it would subscribe a second time, and restore a channel
 * whose UNSUBSCRIBE was lost with the connection. The channels are read when the connection is
 * ready and sent at once, in commands of at most `chunk` channels (50,000 users make 50 commands,
 * not one giant one; all written before any later UNSUBSCRIBE, so none is undone). Whatever happens,
 * the local sockets are caught up from the database (`resync`: envelopes published meanwhile are
 * lost); a subscribe that failed while the connection stayed up is tried again after `retryMs`
 * (doubling up to 30 s), and a success after a failure catches up again.
 */

export interface ResubscribeDeps {
  subscribe(channels: string[]): Promise<unknown>
  /** Every channel to be subscribed to now. */
  channels(): string[]
  /** Whether the connection is up (a retry is pointless otherwise: its next `ready` starts over). */
  ready(): boolean
  /** Runs after every attempt, failed or not. */
  resync(): void
  onError(error: unknown): void
  /** After a successful subscribe (the presence re-read waits for it). */
  subscribed?(): void
  chunk?: number
  retryMs?: number
  setTimer?(run: () => void, ms: number): unknown
  clearTimer?(timer: unknown): void
}

/** Channel lists of at most `size`, in order. Pure. */
export function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size))
  return out
}

export function createResubscriber(deps: ResubscribeDeps) {
  const size = deps.chunk ?? 1000
  const backoff = createBackoff({ baseMs: deps.retryMs ?? 1000, capMs: 30_000, jitter: false })
  const setTimer = deps.setTimer ?? ((run, ms) => setTimeout(run, ms).unref())
  const clearTimer = deps.clearTimer ?? (timer => clearTimeout(timer as ReturnType<typeof setTimeout>))
  let retry: unknown = null
  /** Bumped by every new connection: an older attempt's failure schedules nothing. */
  let generation = 0

  async function attempt(mine: number): Promise<void> {
    try {
      await Promise.all(chunks(deps.channels(), size).map(c => deps.subscribe(c)))
      if (mine !== generation) return
      backoff.reset()
      deps.subscribed?.()
    }
    catch (error) {
      deps.onError(error)
      if (mine !== generation || !deps.ready()) return
      retry = setTimer(() => {
        retry = null
        if (mine === generation && deps.ready()) void attempt(mine)
      }, backoff.duration())
    }
    finally {
      if (mine === generation) deps.resync()
    }
  }

  return {
    /** The subscriber is (again) ready: subscribe to everything, then catch up. */
    ready(): Promise<void> {
      if (retry !== null) clearTimer(retry)
      retry = null
      backoff.reset()
      return attempt(++generation)
    },
  }
}
