import { CloseCode } from '#shared/protocol'
import { forgetHead, headOf } from '../chat/heads'
import { instanceId, useCluster } from '../cluster/cluster'
import { presence } from '../cluster/presence'
import { isDraining } from '../infra/lifecycle'
import { useSettings } from '../infra/settings'
import { countClose } from '../metrics/registry'
import { pool } from '../utils/pool'
import type { Connection } from '../utils/pool'
import { sessionCache } from '../auth/sessionCache'
import { sendErrorFrame, sendFrame } from './frames'
import { broadcastPresence } from './presenceBroadcast'
import { pendingSockets } from './pendingSockets'
import { viewers } from './viewing'

/**
 * Who joins and who leaves: a connection enters the pool with its welcome, and leaves it once;
 * everyone else learns when a user comes online (first socket anywhere) or goes offline (last).
 */

/**
 * Registers a new connection: it gets the welcome (with its stream head), everyone else learns the
 * user came online. Its stream stays on hold until the client sends `resume`.
 */
export async function join(conn: Connection): Promise<void> {
  const head = await headOf(conn.user.id)
  if (conn.closed) return
  // Upgraded just before a shutdown began: the drain has passed it by, so it goes now.
  if (isDraining()) return disconnect(conn, CloseCode.ServiceRestart, 'server restarting')
  // Its session ended while it was being let in (a sign-out here, or another instance's word).
  if (sessionCache.isEnded(conn.sessionHash, Date.now())) {
    sendErrorFrame(conn, 'session_ended', 'Your session ended; sign in again.')
    return disconnect(conn, CloseCode.SessionEnded, 'session ended')
  }
  const firstHere = pool.add(conn)
  pendingSockets.release(conn.user.id, conn.reservation)
  const cameOnline = firstHere && presence.add(instanceId, conn.user)
  const s = useSettings()
  // Who else is online is not in the welcome (it would grow with everyone online): the people
  // list comes over HTTP, and presence frames keep it current.
  sendFrame(conn, {
    type: 'welcome',
    user: conn.user,
    heartbeat: { intervalMs: s.heartbeatIntervalMs, timeoutMs: s.heartbeatTimeoutMs },
    head,
    instance: instanceId,
  })
  if (cameOnline) broadcastPresence(conn.user, true)
  if (firstHere) useCluster().publishPresence(conn.user, true)
}

/** Unregisters a connection; when it was the user's last anywhere, everyone learns the user went offline. */
export function leave(conn: Connection): void {
  conn.closed = true
  pendingSockets.release(conn.user.id, conn.reservation)
  viewers.remove(conn)
  if (!pool.remove(conn)) return
  forgetHead(conn.user.id)
  const wentOffline = presence.remove(instanceId, conn.user.id)
  // While draining, departures are not announced one by one: the clients are moving to other
  // instances, and the empty snapshot this instance publishes when it leaves the cluster settles
  // who is really gone, so nobody flickers offline and back for everyone else.
  if (isDraining() && useCluster().shared) return
  if (wentOffline) broadcastPresence(wentOffline, false)
  useCluster().publishPresence(conn.user, false)
}

/**
 * Ends a connection from the server side: it leaves the pool at once (its frames are ignored from
 * now on), gets a close frame, and is cut after a grace second in case the link is dead and the
 * closing handshake can never finish.
 */
export function disconnect(conn: Connection, code: number, reason: string): void {
  if (!conn.closed) countClose(code, 'server')
  leave(conn)
  try {
    conn.close(code, reason)
  }
  finally {
    setTimeout(() => conn.terminate(), 1000).unref()
  }
}
