import { sessionCache } from '../auth/sessionCache'
import type { SessionEnd } from '../auth/sessionCache'
import type { EndedSessions } from '../auth/sessions'
import { useCluster } from '../cluster/cluster'
import { pool } from '../utils/pool'
import { closeEnded } from './membership'

/**
 * Closes every socket authenticated by one of these sessions of one user (sign-out, password
 * change, a sign-in over another session), on every instance: every other instance hears it, since
 * any of them may hold the session in its cache for HTTP requests. Returns how many closed here.
 */
export function closeSessions(ended: EndedSessions | null): number {
  if (!ended || ended.sessionHashes.length === 0) return 0
  useCluster().publishSessions(ended.userId, [...ended.sessionHashes])
  return closeSessionsHere(ended.sessionHashes)
}

/**
 * Closes the sockets of these sessions on this instance, after an error frame saying why: 4001
 * (`session_ended`), or 4003 (`account_disabled`) when the operator disabled the account. Returns
 * how many.
 */
export function closeSessionsHere(sessionHashes: readonly string[], why: SessionEnd = 'session_ended'): number {
  if (sessionHashes.length === 0) return 0
  // Remembered as ended: a socket of these sessions still joining is closed when it gets there.
  sessionCache.end(sessionHashes, Date.now(), why)
  const ended = new Set(sessionHashes)
  let closed = 0
  for (const conn of [...pool.connections()]) {
    if (!ended.has(conn.sessionHash)) continue
    closeEnded(conn, why)
    closed++
  }
  return closed
}

/**
 * The operator disabled this account: its sessions end, and every socket of the user here closes
 * with 4003, also one let in through a session the command line did not see (a sign-in that raced
 * the disabling). Returns how many closed.
 */
export function closeAccountHere(userId: number, sessionHashes: readonly string[]): number {
  const closed = closeSessionsHere(sessionHashes, 'account_disabled')
  const rest = [...pool.connectionsOf(userId)]
  for (const conn of rest) closeEnded(conn, 'account_disabled')
  return closed + rest.length
}
