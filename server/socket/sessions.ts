import { CloseCode } from '#shared/protocol'
import { sessionCache } from '../auth/sessionCache'
import { useCluster } from '../cluster/cluster'
import { pool } from '../utils/pool'
import { sendErrorFrame } from './frames'
import { disconnect } from './membership'

/** Closes every socket authenticated by one of these sessions (sign-out, password change), on every instance. */
export function closeSessions(sessionHashes: readonly string[]): number {
  if (sessionHashes.length > 0) useCluster().publishSessions([...sessionHashes])
  return closeSessionsHere(sessionHashes)
}

/** Closes the sockets of these sessions on this instance (4001, after a `session_ended` error); returns how many. */
export function closeSessionsHere(sessionHashes: readonly string[]): number {
  if (sessionHashes.length === 0) return 0
  // Remembered as ended: a socket of these sessions still joining is closed when it gets there.
  sessionCache.end(sessionHashes, Date.now())
  const ended = new Set(sessionHashes)
  let closed = 0
  for (const conn of [...pool.connections()]) {
    if (!ended.has(conn.sessionHash)) continue
    sendErrorFrame(conn, 'session_ended', 'Your session ended; sign in again.')
    disconnect(conn, CloseCode.SessionEnded, 'session ended')
    closed++
  }
  return closed
}
