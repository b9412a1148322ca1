import { CloseCode, RESUME_BATCH, encodeFrame } from '#shared/protocol'
import type { ClientFrame, DeliveredFrame, ErrorCode, ReadFrame, SendFrame, ServerFrame } from '#shared/protocol'
import type { Connection } from './pool'

/** The base station's behaviour: who joins, who leaves, what a frame does. Sockets stay in _ws.ts. */

export function sendFrame(conn: Connection, frame: ServerFrame): void {
  conn.send(encodeFrame(frame))
}

export function sendErrorFrame(conn: Connection, code: ErrorCode, message: string, cid?: string): void {
  sendFrame(conn, cid === undefined ? { type: 'error', code, message } : { type: 'error', code, message, cid })
}

/**
 * Registers a new connection: it gets the welcome (with its stream head), everyone else learns the
 * user came online. Its stream stays on hold until the client sends `resume`.
 */
export async function join(conn: Connection): Promise<void> {
  const head = await streamHead(conn.user.id)
  if (conn.closed) return
  const cameOnline = pool.add(conn)
  sendFrame(conn, {
    type: 'welcome',
    user: conn.user,
    online: pool.onlineUsers(),
    heartbeat: heartbeatSettings(),
    head,
  })
  if (cameOnline) broadcastPresence(conn, true)
}

/** Unregisters a connection; when it was the user's last, everyone learns the user went offline. */
export function leave(conn: Connection): void {
  conn.closed = true
  if (pool.remove(conn)) broadcastPresence(conn, false)
}

function broadcastPresence(conn: Connection, online: boolean): void {
  const text = encodeFrame({ type: 'presence', user: conn.user, online })
  for (const other of pool.connections()) {
    if (other.user.id !== conn.user.id) other.send(text)
  }
}

/** Hands a stored event of a user's stream to every connection of that user, in stream order. */
function deliver(userId: number, pos: number, text: string): void {
  for (const c of pool.connectionsOf(userId)) {
    for (const t of c.stream.live(pos, text)) c.send(t)
  }
}

/** Acts on one validated frame. */
export async function handleFrame(conn: Connection, frame: ClientFrame): Promise<void> {
  switch (frame.type) {
    case 'ping':
      return sendFrame(conn, { type: 'pong' })
    case 'resume':
      return resume(conn, frame.cursor)
    case 'send':
      return relayMessage(conn, frame)
    case 'delivered':
    case 'read':
      return relayReceipt(conn, frame)
  }
}

/**
 * Replays the user's stream after `cursor` in bounded batches, then lets live events through:
 * nothing missing, nothing twice, in order.
 */
async function resume(conn: Connection, cursor: number): Promise<void> {
  conn.stream.begin(Math.min(cursor, await streamHead(conn.user.id)))
  for (;;) {
    const frames = await eventsAfter(conn.user.id, conn.stream.sentPos, RESUME_BATCH)
    if (conn.closed) return
    for (const text of conn.stream.replay(frames.map(f => ({ pos: f.pos, text: encodeFrame(f) })))) conn.send(text)
    if (frames.length < RESUME_BATCH && !conn.stream.takeOverflow()) break
    // SQLite answers synchronously, so without this a long replay would hold the event loop (and
    // every other connection) until it ends.
    await new Promise(resolve => setImmediate(resolve))
  }
  for (const text of conn.stream.finish()) conn.send(text)
  sendFrame(conn, { type: 'synced', head: conn.stream.sentPos })
}

/** Stores the message, acknowledges it with the server's id and seq, then relays it. */
async function relayMessage(conn: Connection, frame: SendFrame): Promise<void> {
  const from = conn.user.id
  if (frame.to === from) return sendErrorFrame(conn, 'self_message', 'You cannot send a message to yourself.', frame.cid)
  if (!await userExists(frame.to)) return sendErrorFrame(conn, 'unknown_user', `No user with id ${frame.to}.`, frame.cid)

  // Stored before acknowledged; the server stamps id, seq, sender and time. A resend of a stored
  // cid is acknowledged again and relayed to nobody (its devices have it or will resume it).
  const { message, positions } = await storeMessage({ from, to: frame.to, cid: frame.cid, text: frame.text })
  sendFrame(conn, { type: 'ack', cid: frame.cid, id: message.id, seq: message.seq, ts: message.ts })
  for (const p of positions) deliver(p.userId, p.pos, encodeFrame(messageFrame(message, p.userId, p.pos)))
}

async function relayReceipt(conn: Connection, frame: DeliveredFrame | ReadFrame): Promise<void> {
  if (frame.peer === conn.user.id) return
  for (const r of await recordReceipt(conn.user.id, frame.peer, frame.type, frame.seq)) {
    deliver(r.userId, r.frame.pos, encodeFrame(r.frame))
  }
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
