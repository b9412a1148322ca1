import { randomUUID } from 'node:crypto'
import { CloseCode, encodeFrame } from '#shared/protocol'
import type { ClientFrame, ErrorCode, SendFrame, ServerFrame } from '#shared/protocol'
import type { Connection } from './pool'

/** The base station's behaviour: who joins, who leaves, what a frame does. Sockets stay in _ws.ts. */

export function sendFrame(conn: Connection, frame: ServerFrame): void {
  conn.send(encodeFrame(frame))
}

export function sendErrorFrame(conn: Connection, code: ErrorCode, message: string, cid?: string): void {
  sendFrame(conn, cid === undefined ? { type: 'error', code, message } : { type: 'error', code, message, cid })
}

/** Registers a new connection: it gets the welcome, everyone else learns the user came online. */
export function join(conn: Connection): void {
  const cameOnline = pool.add(conn)
  sendFrame(conn, {
    type: 'welcome',
    user: conn.user,
    online: pool.onlineUsers(),
    heartbeat: heartbeatSettings(),
  })
  if (cameOnline) broadcastPresence(conn, true)
}

/** Unregisters a connection; when it was the user's last, everyone learns the user went offline. */
export function leave(conn: Connection): void {
  if (pool.remove(conn)) broadcastPresence(conn, false)
}

function broadcastPresence(conn: Connection, online: boolean): void {
  const text = encodeFrame({ type: 'presence', user: conn.user, online })
  for (const other of pool.connections()) {
    if (other.user.id !== conn.user.id) other.send(text)
  }
}

/** Acts on one validated frame. */
export async function handleFrame(conn: Connection, frame: ClientFrame): Promise<void> {
  switch (frame.type) {
    case 'ping':
      sendFrame(conn, { type: 'pong' })
      return
    case 'send':
      await relayMessage(conn, frame)
  }
}

async function relayMessage(conn: Connection, frame: SendFrame): Promise<void> {
  const from = conn.user.id
  if (frame.to === from) return sendErrorFrame(conn, 'self_message', 'You cannot send a message to yourself.', frame.cid)
  if (!await userExists(frame.to)) return sendErrorFrame(conn, 'unknown_user', `No user with id ${frame.to}.`, frame.cid)
  // Until stored delivery lands, a message nobody can receive is refused loudly, never dropped.
  if (!pool.isOnline(frame.to)) return sendErrorFrame(conn, 'recipient_offline', 'The recipient is offline; the message was not delivered.', frame.cid)

  // The server stamps id, sender and time; nothing the client claims about them is used.
  const message = { id: randomUUID(), from, to: frame.to, text: frame.text, ts: Date.now() }
  const toRecipient = encodeFrame({ type: 'message', ...message })
  for (const c of pool.connectionsOf(frame.to)) c.send(toRecipient)
  const toOwnDevices = encodeFrame({ type: 'message', ...message, cid: frame.cid })
  for (const c of pool.connectionsOf(from)) {
    if (c !== conn) c.send(toOwnDevices)
  }
  sendFrame(conn, { type: 'ack', cid: frame.cid, id: message.id, ts: message.ts })
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

/** Closes every socket authenticated by one of these sessions (sign-out, expiry), on this instance. */
export function closeSessions(sessionHashes: readonly string[]): number {
  if (sessionHashes.length === 0) return 0
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

/** One pass of the liveness sweep: closes expired sessions' and silent connections. */
export function sweepConnections(now: number, silenceLimit: number): void {
  closeSessions(expiredConnections(pool.connections(), now).map(conn => conn.sessionHash))
  for (const conn of silentConnections(pool.connections(), now, silenceLimit)) {
    disconnect(conn, CloseCode.HeartbeatTimeout, 'heartbeat timeout')
  }
}
