import { expireInPasses } from '../auth/sessionExpiry'
import { deleteExpiredSessions } from '../auth/sessions'
import { log } from '../infra/log'
import { useSettings } from '../infra/settings'
import { silenceLimitMs } from '../socket/heartbeat'
import { sweepConnections } from '../socket/liveness'

/** How often expired sessions and tickets are deleted from the database. */
const EXPIRED_SESSIONS_EVERY_MS = 10 * 60_000

/**
 * Runs the liveness and expiry sweep (half-open TCP connections never fire `close` by themselves),
 * and deletes expired sessions and tickets now and then. Shutdown is server/plugins/shutdown.ts.
 */
export default defineNitroPlugin((nitroApp) => {
  const s = useSettings()
  const limit = silenceLimitMs({ intervalMs: s.heartbeatIntervalMs, timeoutMs: s.heartbeatTimeoutMs })
  const every = Math.max(100, Math.floor(s.heartbeatIntervalMs / 2))
  let last = Date.now()
  const sweep = setInterval(() => {
    const now = Date.now()
    const late = now - last - every
    last = now
    // A sweep that runs late means this process was busy: frames that clients sent meanwhile may
    // still be unread in the sockets, so silence is not judged this round.
    if (late > every) return
    sweepConnections(now, limit)
  }, every)
  sweep.unref()

  let closing = false
  // Passes of a bounded batch until the backlog is gone (sessionExpiry.ts); each pass reads the clock.
  const expire = () => void expireInPasses(batch => deleteExpiredSessions(Date.now(), batch), { stopped: () => closing })
    .catch(err => log.error('expired sessions not deleted', { err }))
  const cleanup = setInterval(expire, EXPIRED_SESSIONS_EVERY_MS)
  cleanup.unref()
  setTimeout(expire, 5_000).unref()

  nitroApp.hooks.hook('close', () => {
    closing = true
    clearInterval(sweep)
    clearInterval(cleanup)
  })
})
