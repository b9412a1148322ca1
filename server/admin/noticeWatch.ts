import type { Kysely } from 'kysely'
import type { Database } from '../infra/database/schema'
import { log } from '../infra/log'
import { lastNoticeBefore, noticesAfter } from './notices'
import type { Notice } from './notices'

/**
 * How often a server reads new notices of the command line. Twice a second keeps "at once" under
 * a second without Redis; the read is one indexed range that is nearly always empty (on SQLite a
 * few microseconds on the reading connection, never a write).
 */
export const NOTICE_POLL_MS = 500

/**
 * How far before this process started a server still acts on notices: the command line's clock
 * may run ahead of this machine's. Acting on a notice again is harmless (it closes sockets of
 * sessions that are gone, or of an account that is disabled).
 */
export const NOTICE_CLOCK_MARGIN_MS = 60_000

export interface NoticeWatchOptions {
  everyMs?: number
  /** Notices written from this time on are acted on (default: process start minus the margin). */
  since?: number
}

export interface NoticeWatch {
  /** Reads what is new now (the timer calls it; tests call it directly). */
  tick(): Promise<void>
  stop(): void
}

/**
 * Reads the notices written since this process started and hands each to `handle`, in order. Not
 * from the newest notice at the first read: this server accepts sockets before that read (and
 * longer before it when the database is slow), and a notice written meanwhile must still close
 * them. What the command line did before this process ran needs nothing closed here: no socket of
 * it can be here.
 */
export function watchNotices(db: () => Promise<Kysely<Database>>, handle: (notice: Notice) => void, options: NoticeWatchOptions = {}): NoticeWatch {
  // (Whole milliseconds: PostgreSQL reads the parameter as a bigint.)
  const since = Math.floor(options.since ?? performance.timeOrigin - NOTICE_CLOCK_MARGIN_MS)
  let cursor: number | undefined
  let running = false
  let failing = false

  async function tick(): Promise<void> {
    if (running) return
    running = true
    try {
      const d = await db()
      cursor ??= await lastNoticeBefore(d, since)
      for (let batch = await noticesAfter(d, cursor); batch.length > 0; batch = await noticesAfter(d, cursor)) {
        for (const notice of batch) {
          cursor = notice.id
          try {
            handle(notice)
          }
          catch (err) {
            log.error('admin notice failed', { notice: notice.id, err })
          }
        }
      }
      if (failing) log.info('admin notices readable again')
      failing = false
    }
    catch (err) {
      // Once per outage, not twice a second (readiness reports the database itself).
      if (!failing) log.error('admin notices unreadable', { err })
      failing = true
    }
    finally {
      running = false
    }
  }

  const timer = setInterval(() => void tick(), options.everyMs ?? NOTICE_POLL_MS)
  timer.unref()
  return { tick, stop: () => clearInterval(timer) }
}
