import { RESUME_BATCH, encodeFrame } from '#shared/protocol'
import type { Connection } from '../utils/pool'
import { pool } from '../utils/pool'
import { activeSessions } from '../auth/sessions'
import { useCluster } from '../cluster/cluster'
import { sendFrame } from '../socket/frames'
import { closeSessionsHere } from '../socket/sessions'
import { messageFrame, receiptFrame } from './frames'
import { headOf } from './heads'
import { eventsAfter, streamHead, streamHeads } from './storage/reads'

/**
 * Replays the user's stream after `cursor` in bounded batches, then lets live events through:
 * nothing missing, nothing twice, in order.
 */
export async function resume(conn: Connection, cursor: number): Promise<void> {
  // Alone, the cached head is exact; with other instances an envelope may have been lost, so the
  // database says.
  const head = useCluster().shared ? await streamHead(conn.user.id) : await headOf(conn.user.id)
  if (cursor >= head) {
    // Nothing stored after the cursor (the usual case: a new tab at the head, a quick reconnect):
    // no query, only what arrived meanwhile. A cursor past the head (a database that was reset)
    // starts again at the head.
    conn.stream.begin(head)
    for (const text of conn.stream.finish()) conn.send(text)
  }
  else {
    await replayFrom(conn, cursor)
  }
  sendFrame(conn, { type: 'synced', head: conn.stream.sentPos })
}

/** Sends the stored events after `cursor` while holding live ones, then the held ones: no gap, no repeat. */
async function replayFrom(conn: Connection, cursor: number): Promise<void> {
  conn.stream.begin(cursor)
  for (;;) {
    const events = await eventsAfter(conn.user.id, conn.stream.sentPos, RESUME_BATCH)
    if (conn.closed) return
    const frames = events.map(e => ({
      pos: e.pos,
      text: encodeFrame(e.kind === 'message' ? messageFrame(e.message, conn.user.id, e.pos) : receiptFrame(e.state, e.pos)),
    }))
    for (const text of conn.stream.replay(frames)) conn.send(text)
    if (events.length < RESUME_BATCH && !conn.stream.takeOverflow()) break
    // At the reader's pace: a reader slower than the database (a phone, a loaded machine) is not
    // a slow consumer to cut off while it keeps reading. This also yields the event loop (SQLite
    // answers synchronously: a long replay would otherwise hold every other connection).
    await conn.room()
    await new Promise(resolve => setImmediate(resolve))
    if (conn.closed) return
  }
  for (const text of conn.stream.finish()) conn.send(text)
}

/**
 * Fills a connection's stream from the database after its last sent event: when live events came
 * with a gap (another instance's came first, or pub/sub lost one). Runs in the connection's frame
 * queue, so it never overlaps a resume. Before the client's first resume there is nothing to do.
 */
export function catchUp(conn: Connection): void {
  if (!conn.stream.started) return
  conn.enqueue(async () => {
    if (!conn.closed) await replayFrom(conn, conn.stream.sentPos)
  })
}

/**
 * After envelopes may have been lost: closes sockets whose session ended meanwhile, and catches up
 * the sockets behind their user's stream head. Two queries for all sockets, then one replay per
 * socket that is actually behind.
 */
export async function resyncConnections(): Promise<void> {
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
