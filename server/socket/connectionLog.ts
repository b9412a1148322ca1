import { log } from '../infra/log'
import type { PeerConnection } from './connection'

/**
 * One `info` line when a socket opens and one when it closes: who (user id, socket id), and at the
 * close, its code, how long it was open and how many frames it sent. Nothing per frame, and never
 * what was in a frame or the client's close reason (free text from the client).
 */

export function logOpened(conn: PeerConnection): void {
  log.info('connection opened', { user: conn.user.id, conn: conn.id })
}

/**
 * `code`: the one this server closed it with (4001 session ended, 4009 slow consumer, 1012
 * restart, …; `by: "server"`), else the client's (1000, 1001; 1006 when the link just dropped).
 */
export function logClosed(conn: PeerConnection, clientCode: number | undefined, now = Date.now()): void {
  const byServer = conn.closedWith !== undefined
  log.info('connection closed', {
    user: conn.user.id,
    conn: conn.id,
    code: byServer ? conn.closedWith : (clientCode ?? 1005),
    by: byServer ? 'server' : 'client',
    durationMs: now - conn.openedAt,
    framesIn: conn.framesIn,
  })
}
