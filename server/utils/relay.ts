import { CloseCode, RESUME_BATCH, encodeFrame } from '#shared/protocol'
import type { ClientFrame, DeliveredFrame, ErrorCode, PublicUser, ReadFrame, SendFrame, ServerFrame } from '#shared/protocol'
import type { ClusterHandlers } from './cluster'
import type { RelayedEvent } from './envelope'
import type { Connection } from './pool'
import { Presence } from './presence'

/** The base station's behaviour: who joins, who leaves, what a frame does. Sockets stay in _ws.ts. */

export function sendFrame(conn: Connection, frame: ServerFrame): void {
  conn.send(encodeFrame(frame))
}

export function sendErrorFrame(conn: Connection, code: ErrorCode, message: string, cid?: string): void {
  sendFrame(conn, cid === undefined ? { type: 'error', code, message } : { type: 'error', code, message, cid })
}

/** Who is online on every instance; this instance's entry follows the local pool. */
export const presence = new Presence()

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
  const cameOnline = firstHere && presence.add(instanceId, conn.user)
  sendFrame(conn, {
    type: 'welcome',
    user: conn.user,
    online: presence.onlineUsers(),
    heartbeat: heartbeatSettings(),
    head,
    instance: instanceId,
  })
  if (cameOnline) broadcastPresence(conn.user, true)
  if (firstHere) useCluster().publishPresence(conn.user, true)
}

/** Unregisters a connection; when it was the user's last anywhere, everyone learns the user went offline. */
export function leave(conn: Connection): void {
  conn.closed = true
  if (!pool.remove(conn)) return
  const wentOffline = presence.remove(instanceId, conn.user.id)
  // While draining, departures are not announced one by one: the clients are moving to other
  // instances, and the empty snapshot this instance publishes when it leaves the cluster settles
  // who is really gone, so nobody flickers offline and back for everyone else.
  if (isDraining() && useCluster().shared) return
  if (wentOffline) broadcastPresence(wentOffline, false)
  useCluster().publishPresence(conn.user, false)
}

/** Tells this instance's sockets (except the user's own) that the user came online or went offline. */
function broadcastPresence(user: PublicUser, online: boolean): void {
  const text = encodeFrame({ type: 'presence', user, online })
  for (const other of pool.connections()) {
    if (other.user.id !== user.id) other.send(text)
  }
}

/** Hands a stored event of a user's stream to every connection of that user here, in stream order. */
function deliverHere(event: RelayedEvent): void {
  for (const c of pool.connectionsOf(event.userId)) {
    for (const t of c.stream.live(event.pos, event.text)) c.send(t)
    if (c.stream.takeGap()) catchUp(c)
  }
}

/** Delivers stored events on this instance and hands them to the others. */
function deliver(events: RelayedEvent[]): void {
  for (const e of events) deliverHere(e)
  if (events.length > 0) useCluster().publishEvents(events)
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
  await replayFrom(conn, Math.min(cursor, await streamHead(conn.user.id)))
  sendFrame(conn, { type: 'synced', head: conn.stream.sentPos })
}

/** Sends the stored events after `cursor` while holding live ones, then the held ones: no gap, no repeat. */
async function replayFrom(conn: Connection, cursor: number): Promise<void> {
  conn.stream.begin(cursor)
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
}

/**
 * Fills a connection's stream from the database after its last sent event: when live events came
 * with a gap (another instance's came first, or pub/sub lost one). Runs in the connection's frame
 * queue, so it never overlaps a resume. Before the client's first resume there is nothing to do.
 */
function catchUp(conn: Connection): void {
  if (!conn.stream.started) return
  conn.enqueue(async () => {
    if (!conn.closed) await replayFrom(conn, conn.stream.sentPos)
  })
}

/** Stores the message, acknowledges it with the server's id and seq, then relays it. */
async function relayMessage(conn: Connection, frame: SendFrame): Promise<void> {
  const from = conn.user.id
  if (frame.to === from) return sendErrorFrame(conn, 'self_message', 'You cannot send a message to yourself.', frame.cid)
  if (!await userExists(frame.to)) return sendErrorFrame(conn, 'unknown_user', `No user with id ${frame.to}.`, frame.cid)

  // Stored before acknowledged; the server stamps id, seq, sender and time. A resend of a stored
  // cid is acknowledged again with the stored message.
  const stored = await storeMessage({ from, to: frame.to, cid: frame.cid, text: frame.text })
  const { message } = stored
  sendFrame(conn, { type: 'ack', cid: frame.cid, id: message.id, seq: message.seq, ts: message.ts })
  // A resend is relayed again too: the instance that stored it first may have died before relaying
  // it. Sockets that already have those positions drop them.
  const positions = stored.duplicate ? await messagePositions(message.id) : stored.positions
  deliver(positions.map(p => ({ userId: p.userId, pos: p.pos, text: encodeFrame(messageFrame(message, p.userId, p.pos)) })))
}

async function relayReceipt(conn: Connection, frame: DeliveredFrame | ReadFrame): Promise<void> {
  if (frame.peer === conn.user.id) return
  const receipts = await recordReceipt(conn.user.id, frame.peer, frame.type, frame.seq)
  deliver(receipts.map(r => ({ userId: r.userId, pos: r.frame.pos, text: encodeFrame(r.frame) })))
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

/** Closes every socket authenticated by one of these sessions (sign-out, password change), on every instance. */
export function closeSessions(sessionHashes: readonly string[]): number {
  if (sessionHashes.length > 0) useCluster().publishSessions([...sessionHashes])
  return closeSessionsHere(sessionHashes)
}

/** Closes the sockets of these sessions on this instance; returns how many. */
export function closeSessionsHere(sessionHashes: readonly string[]): number {
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
  // Every instance sweeps its own sockets: expiry needs no message to the others.
  closeSessionsHere(expiredConnections(pool.connections(), now).map(conn => conn.sessionHash))
  for (const conn of silentConnections(pool.connections(), now, silenceLimit)) {
    disconnect(conn, CloseCode.HeartbeatTimeout, 'heartbeat timeout')
  }
}

/** What this instance does with what the others say (Redis mode). */
export const clusterHandlers: ClusterHandlers = {
  events(events) {
    for (const e of events) deliverHere(e)
  },
  presence(instance, user, online) {
    if (online) {
      if (presence.add(instance, user)) broadcastPresence(user, true)
    }
    else {
      const gone = presence.remove(instance, user.id)
      if (gone) broadcastPresence(gone, false)
    }
  },
  snapshot(instance, users) {
    const { online, offline } = presence.replaceInstance(instance, users)
    for (const u of online) broadcastPresence(u, true)
    for (const u of offline) broadcastPresence(u, false)
  },
  gone(instances) {
    for (const instance of instances) {
      if (instance === instanceId) continue
      for (const u of presence.dropInstance(instance)) broadcastPresence(u, false)
    }
  },
  sessions: hashes => void closeSessionsHere(hashes),
  resync: () => void resyncConnections().catch(error => console.error('[cluster] catching sockets up failed', error)),
  localUsers: () => pool.onlineUsers(),
  knownInstances: () => presence.instances(),
}

/**
 * After envelopes may have been lost: closes sockets whose session ended meanwhile, and catches up
 * the sockets behind their user's stream head. Two queries for all sockets, then one replay per
 * socket that is actually behind.
 */
async function resyncConnections(): Promise<void> {
  const conns = [...pool.connections()]
  if (conns.length === 0) return
  const sessions = [...new Set(conns.map(c => c.sessionHash))]
  const active = await activeSessions(sessions)
  closeSessionsHere(sessions.filter(h => !active.has(h)))
  const heads = await streamHeads([...new Set(conns.map(c => c.user.id))])
  for (const conn of pool.connections()) {
    if (conn.stream.sentPos < (heads.get(conn.user.id) ?? 0)) catchUp(conn)
  }
}
