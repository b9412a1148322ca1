import { CloseCode } from '#shared/protocol'
import { forgetHead, headOf } from '../chat/heads'
import { instanceId, useCluster } from '../cluster/cluster'
import { isDraining } from '../infra/lifecycle'
import { useSettings } from '../infra/settings'
import { countClose } from '../metrics/registry'
import { pool } from '../utils/pool'
import type { Connection } from '../utils/pool'
import { sessionCache } from '../auth/sessionCache'
import type { SessionEnd } from '../auth/sessionCache'
import { sendErrorFrame, sendFrame } from './frames'
import { broadcastPresence } from './presenceBroadcast'
import { pendingSockets } from './pendingSockets'
import { viewers } from './viewing'
import { watchContacts } from './watchContacts'

/**
 * Who joins and who leaves: a connection enters the pool with its welcome, and leaves it once;
 * everyone else learns when a user comes online (first socket anywhere) or goes offline (last).
 */

/**
 * Registers a new connection: it gets the welcome (with its stream head), everyone else learns the
 * user came online. Its stream stays on hold until the client sends `resume`.
 */
export async function join(conn: Connection): Promise<void> {
  const id = conn.user.id
  // The user's channel stays followed while any of their sockets is here or on its way in: a
  // socket that closes meanwhile must not unsubscribe it from under another that is still joining.
  beginJoining(id)
  try {
    await enter(conn)
  }
  finally {
    endJoining(id)
    // (A no-op when this socket is in the pool; also catches one that left before its join ended.)
    unfollowIfGone(id)
  }
}

/** Lets the connection in (welcome, pool, presence), or closes it if it can no longer come in. */
async function enter(conn: Connection): Promise<void> {
  // Subscribed to the user's channel before the welcome: every event stored after it reaches this
  // instance, and the resume that follows reads everything stored before.
  const [head, subscribed] = await Promise.all([headOf(conn.user.id), useCluster().follow(conn.user.id)])
  if (conn.closed) return
  // Upgraded just before a shutdown began: the drain has passed it by, so it goes now.
  if (isDraining()) return disconnect(conn, CloseCode.ServiceRestart, 'server restarting')
  // Unsubscribed, it would miss what the other instances relay, with nothing to catch it up (follow.ts
  // logged why): it comes back later, maybe to another instance.
  if (!subscribed) return disconnect(conn, CloseCode.TryAgainLater, 'try again later')
  // Its session ended while it was being let in (a sign-out here, another instance's word, or the
  // operator's command line).
  const ended = sessionCache.endedWhy(conn.sessionHash, Date.now())
  if (ended) return closeEnded(conn, ended)
  const firstHere = pool.add(conn)
  pendingSockets.release(conn.user.id, conn.reservation)
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
  if (!firstHere) return
  // Alone, this instance is the whole truth. In a cluster the change goes through Redis, which
  // knows whether the user is on another instance too, and comes back to the watchers here as well.
  if (!useCluster().shared) return broadcastPresence(conn.user, true)
  useCluster().publishPresence(conn.user, true)
  watchContacts(conn.user.id)
}

/** How many sockets of each user are joining (a leave meanwhile must not drop their channel). */
const joining = new Map<number, number>()

function beginJoining(userId: number): void {
  joining.set(userId, (joining.get(userId) ?? 0) + 1)
}

function endJoining(userId: number): void {
  const left = joining.get(userId)! - 1
  if (left === 0) joining.delete(userId)
  else joining.set(userId, left)
}

/**
 * Once no socket of the user is here or on its way in: stops receiving their traffic, and forgets
 * their cached stream head (unfollowed, it would fall behind what the other instances store).
 */
function unfollowIfGone(userId: number): void {
  if (pool.connectionsOf(userId).size > 0 || joining.has(userId)) return
  forgetHead(userId)
  useCluster().unfollow(userId)
}

/** Unregisters a connection; when it was the user's last anywhere, everyone learns the user went offline. */
export function leave(conn: Connection): void {
  conn.closed = true
  pendingSockets.release(conn.user.id, conn.reservation)
  viewers.remove(conn)
  if (!pool.remove(conn)) return
  unfollowIfGone(conn.user.id)
  if (pool.connectionsOf(conn.user.id).size > 0) return
  useCluster().unwatch(conn.user.id)
  // While draining, departures are not announced one by one: the clients are moving to other
  // instances, and when this instance leaves the cluster it removes its users from Redis, which
  // says who is still elsewhere (redisPresence.ts), so nobody flickers offline and back.
  if (isDraining() && useCluster().shared) return
  if (!useCluster().shared) return broadcastPresence(conn.user, false)
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

/**
 * Tells a socket its session ended, and why, and closes it: 4001 after `session_ended`, or 4003
 * after `account_disabled` when the operator disabled the account.
 */
export function closeEnded(conn: Connection, why: SessionEnd): void {
  if (why === 'account_disabled') {
    sendErrorFrame(conn, 'account_disabled', 'The account was disabled.')
    return disconnect(conn, CloseCode.AccountDisabled, 'account disabled')
  }
  sendErrorFrame(conn, 'session_ended', 'Your session ended; sign in again.')
  disconnect(conn, CloseCode.SessionEnded, 'session ended')
}
