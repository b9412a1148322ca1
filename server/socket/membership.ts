import { CloseCode, encodeFrame } from '#shared/protocol'
import type { PublicUser } from '#shared/protocol'
import { streamHead } from '../chat/storage/reads'
import { instanceId, useCluster } from '../cluster/cluster'
import { presence } from '../cluster/presence'
import { isDraining } from '../infra/lifecycle'
import { useSettings } from '../infra/settings'
import { pool } from '../utils/pool'
import type { Connection } from '../utils/pool'
import { sendFrame } from './frames'
import { pendingSockets } from './pendingSockets'

/**
 * Who joins and who leaves: a connection enters the pool with its welcome, and leaves it once;
 * everyone else learns when a user comes online (first socket anywhere) or goes offline (last).
 */

/**
 * Registers a new connection: it gets the welcome (with its stream head), everyone else learns the
 * user came online. Its stream stays on hold until the client sends `resume`.
 */
export async function join(conn: Connection): Promise<void> {
  const head = await streamHead(conn.user.id)
  if (conn.closed) return
  // Upgraded just before a shutdown began: the drain has passed it by, so it goes now.
  if (isDraining()) return disconnect(conn, CloseCode.ServiceRestart, 'server restarting')
  const firstHere = pool.add(conn)
  pendingSockets.release(conn.user.id, conn.reservation)
  const cameOnline = firstHere && presence.add(instanceId, conn.user)
  const s = useSettings()
  sendFrame(conn, {
    type: 'welcome',
    user: conn.user,
    online: presence.onlineUsers(),
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
  if (!pool.remove(conn)) return
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
  leave(conn)
  try {
    conn.close(code, reason)
  }
  finally {
    setTimeout(() => conn.terminate(), 1000).unref()
  }
}

/** Tells this instance's sockets (except the user's own) that the user came online or went offline. */
export function broadcastPresence(user: PublicUser, online: boolean): void {
  const text = encodeFrame({ type: 'presence', user, online })
  for (const other of pool.connections()) {
    if (other.user.id !== user.id) other.send(text)
  }
}
