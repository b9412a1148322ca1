import type { Kysely } from 'kysely'
import type { Database } from '../infra/database/schema'
import { log } from '../infra/log'
import { latestNoticeId, noticesAfter } from './notices'
import type { Notice } from './notices'

/**
 * How often a server reads new notices of the command line. Twice a second keeps "at once" under
 * a second without Redis; the read is one indexed range that is nearly always empty (on SQLite a
 * few microseconds on the reading connection, never a write).
 */
export const NOTICE_POLL_MS = 500

export interface NoticeWatch {
  /** Reads what is new now (the timer calls it; tests call it directly). */
  tick(): Promise<void>
  stop(): void
}

/**
 * Reads the notices written after this server started and hands each to `handle`, in order. The
 * first successful read only finds where to start: what the command line did before this server
 * ran needs nothing closed here (the sessions are gone from the database already).
 */
export function watchNotices(db: () => Promise<Kysely<Database>>, handle: (notice: Notice) => void, everyMs = NOTICE_POLL_MS): NoticeWatch {
  let cursor: number | undefined
  let running = false
  let failing = false

  async function tick(): Promise<void> {
    if (running) return
    running = true
    try {
      const d = await db()
      if (cursor === undefined) {
        cursor = await latestNoticeId(d)
      }
      else {
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

  const timer = setInterval(() => void tick(), everyMs)
  timer.unref()
  return { tick, stop: () => clearInterval(timer) }
}
