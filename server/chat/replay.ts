import { RESUME_BATCH, encodeFrame } from '#shared/protocol'
import type { Connection } from '../utils/pool'
import { pool } from '../utils/pool'
import { activeSessions } from '../auth/sessions'
import { useCluster } from '../cluster/cluster'
import { sendFrame } from '../socket/frames'
import { closeAccountHere, closeSessionsHere } from '../socket/sessions'
import { disabledAmong } from '../auth/users'
import { messageFrame, receiptFrame } from './frames'
import { forgetAudiences } from '../socket/presenceAudience'
import { catchUps } from '../metrics/registry'
import { forgetMembers } from './groupMembers'
import { applyReleased, dropCovered } from './membershipEffects'
import { replayGroup } from './groupDeliver'
import { headOf } from './heads'
import { groupHeads, groupsOf } from './storage/groupReads'
import { receiptsNow } from './groupReceipts'
import { eventsAfter, streamHead, streamHeads } from './storage/reads'
import { streamTrimmedTo } from './storage/retention'
import { trimmedBefore } from './storage/retentionPlan'

/**
 * Replays the user's stream after `cursor` in bounded batches, then lets live events through:
 * nothing missing, nothing twice, in order.
 */
export async function resume(conn: Connection, cursor: number, groups: ReadonlyArray<readonly [string, number]> = []): Promise<void> {
  // Groups are followed again from what the client says it has (resumeGroups, below): until then
  // their live lines wait for the replay.
  conn.groups.reset()
  // Alone, the cached head is exact; with other instances an envelope may have been lost, so the
  // database says.
  const head = useCluster().shared ? await streamHead(conn.user.id) : await headOf(conn.user.id)
  if (cursor >= head) {
    // Nothing stored after the cursor (the usual case: a new tab at the head, a quick reconnect):
    // no query, only what arrived meanwhile. A cursor past the head (a database that was reset)
    // starts again at the head.
    conn.stream.begin(head)
    for (const text of conn.stream.finish()) conn.send(text)
    applyReleased(conn, conn.stream.sentPos)
  }
  else {
    await replayFrom(conn, cursor)
  }
  if (conn.closed) return
  await resumeGroups(conn, new Map(groups))
  if (conn.closed) return
  sendFrame(conn, { type: 'synced', head: conn.stream.sentPos })
}

/**
 * Follows each of the user's groups again: a group the client listed (or joined in the replayed
 * events) from the client's seq, replaying what came after; any other from its newest line (the
 * client reads its history over HTTP when it opens it). A line stored while this ran is caught by
 * the second look at the heads (lines are stored before they are relayed).
 */
async function resumeGroups(conn: Connection, known: Map<string, number>): Promise<void> {
  for (let look = 0; look < 2; look++) {
    for (const { conv, lastSeq, joinedSeq } of await groupHeads(conn.user.id)) {
      if (conn.closed) return
      if (conn.groups.position(conv) === undefined) {
        const has = known.get(conv)
        conn.groups.follow(conv, has === undefined ? lastSeq : Math.max(joinedSeq, Math.min(has, lastSeq)))
      }
      if ((conn.groups.position(conv) ?? lastSeq) < lastSeq) await replayGroup(conn, conv)
    }
  }
}

/** Sends the stored events after `cursor` while holding live ones, then the held ones: no gap, no repeat. */
async function replayFrom(conn: Connection, cursor: number): Promise<void> {
  conn.stream.begin(cursor)
  for (;;) {
    const events = await eventsAfter(conn.user.id, conn.stream.sentPos, RESUME_BATCH)
    if (conn.closed) return
    const trimmed = await skipTrimmed(conn, events[0]?.pos)
    if (conn.closed) return
    // Nothing was read, yet the stream goes on after the cut: read from there.
    if (trimmed && events.length === 0) continue
    const frames = await Promise.all(events.map(async e => ({
      pos: e.pos,
      text: e.kind === 'message'
        ? encodeFrame(messageFrame(e.message, conn.user.id, e.pos))
        : e.kind === 'receipt' ? encodeFrame(receiptFrame(e.state, e.pos)) : await membershipText(conn, e),
    })))
    // Joined and left in stream order (the summaries above were read in any order).
    for (const e of events) if (e.kind === 'joined' || e.kind === 'left') applyMembership(conn, e)
    for (const text of conn.stream.replay(frames)) conn.send(text)
    dropCovered(conn, conn.stream.sentPos)
    if (events.length < RESUME_BATCH && !conn.stream.takeOverflow()) break
    // At the reader's pace: a reader slower than the database (a phone, a loaded machine) is not
    // a slow consumer to cut off while it keeps reading. This also yields the event loop (SQLite
    // answers synchronously: a long replay would otherwise hold every other connection).
    await conn.room()
    await new Promise(resolve => setImmediate(resolve))
    if (conn.closed) return
  }
  for (const text of conn.stream.finish()) conn.send(text)
  applyReleased(conn, conn.stream.sentPos)
}

/**
 * Retention deleted the start of the stream after the socket's position (the read skipped
 * positions, or found nothing although the stream goes further): the client is told where it goes
 * on, before the events that follow, so its cursor moves there rather than seeing a gap.
 */
async function skipTrimmed(conn: Connection, first: number | undefined): Promise<boolean> {
  const to = first === undefined ? await streamTrimmedTo(conn.user.id, conn.stream.sentPos) : trimmedBefore(conn.stream.sentPos, first)
  if (conn.closed || !conn.stream.trim(to)) return false
  sendFrame(conn, { type: 'trimmed', pos: to })
  return true
}

/**
 * Replays the groups the socket follows that are behind their newest line (one query to know
 * which). `receipts`: also sends each group's read positions (after a resync), read once per group.
 */
async function catchUpGroups(conn: Connection, receipts?: GroupReceiptReads): Promise<void> {
  for (const { conv, lastSeq } of await groupHeads(conn.user.id)) {
    const at = conn.groups.position(conv)
    if (at === undefined || conn.closed) continue
    if (at < lastSeq) await replayGroup(conn, conv)
    if (receipts && !conn.closed) conn.send(await receipts.frameOf(conv))
  }
}

/**
 * Group receipts are live only (groupReceipts.ts): one lost with an envelope would leave "Read by k"
 * behind until the group is loaded again. After a resync each socket gets its groups' positions
 * again (receiptsNow), each group read once for the whole resync.
 */
class GroupReceiptReads {
  readonly #frames = new Map<string, Promise<string>>()
  frameOf(conv: string): Promise<string> {
    let frame = this.#frames.get(conv)
    if (!frame) this.#frames.set(conv, frame = receiptsNow(conv))
    return frame
  }
}

/**
 * A replayed membership event. The socket follows a group joined from the line that added them
 * (its lines are replayed after the stream: resumeGroups, or catchUp) and stops following one left.
 */
async function membershipText(conn: Connection, e: { pos: number, kind: 'joined' | 'left', conv: string }): Promise<string> {
  const [group] = await groupsOf(conn.user.id, e.conv)
  if (!group) return encodeFrame({ type: 'pong' }) // (cannot happen: the event names a membership)
  joinedSeqs.set(conn, { ...joinedSeqs.get(conn), [e.conv]: group.joinedSeq })
  return encodeFrame({ type: 'membership', pos: e.pos, change: e.kind, group })
}

const joinedSeqs = new WeakMap<Connection, Record<string, number>>()

function applyMembership(conn: Connection, e: { kind: 'joined' | 'left', conv: string }): void {
  if (e.kind === 'left') return conn.groups.unfollow(e.conv)
  const joinedSeq = joinedSeqs.get(conn)?.[e.conv]
  // (Its lines are replayed after the stream: resumeGroups, or catchUp.)
  if (joinedSeq !== undefined) conn.groups.rejoin(e.conv, joinedSeq)
}

/**
 * Fills a connection's stream from the database after its last sent event: when live events came
 * with a gap (another instance's came first, or pub/sub lost one). Runs in the connection's frame
 * queue, so it never overlaps a resume. Before the client's first resume there is nothing to do.
 */
export function catchUp(conn: Connection): void {
  if (!conn.stream.started) return
  catchUps.stream.n++
  conn.enqueue(async () => {
    if (!conn.closed) await replayFrom(conn, conn.stream.sentPos)
    // Groups joined in the events just read.
    if (!conn.closed) await catchUpGroups(conn)
  })
}

/**
 * Closes the sockets of sessions that ended while envelopes were lost: with 4003 those of accounts
 * the operator disabled meanwhile (their sessions are gone too), with 4001 the rest.
 */
async function closeDeadSessions(dead: Connection[]): Promise<void> {
  if (dead.length === 0) return
  const disabled = await disabledAmong([...new Set(dead.map(c => c.user.id))])
  for (const userId of disabled) closeAccountHere(userId, [...new Set(dead.filter(c => c.user.id === userId).map(c => c.sessionHash))])
  closeSessionsHere([...new Set(dead.filter(c => !disabled.has(c.user.id)).map(c => c.sessionHash))])
}

/**
 * After envelopes may have been lost: closes sockets whose session ended meanwhile, and catches up
 * the sockets behind their user's stream head. Two queries for all sockets, then one replay per
 * socket that is actually behind.
 */
export async function resyncConnections(): Promise<void> {
  catchUps.resync.n++
  const conns = [...pool.connections()]
  if (conns.length === 0) return
  const sessions = [...new Set(conns.map(c => c.sessionHash))]
  const active = await activeSessions(sessions)
  await closeDeadSessions(conns.filter(c => !active.has(c.sessionHash)))
  const heads = await streamHeads([...new Set(conns.map(c => c.user.id))])
  for (const conn of pool.connections()) {
    if (conn.stream.sentPos < (heads.get(conn.user.id) ?? 0)) catchUp(conn)
  }
  // Group lines and membership changes may have been lost too: members are read again, and each
  // socket's groups caught up from storage, and their read positions sent again (live only, they
  // are not in storage's streams). So may first messages between strangers: every local user's
  // contacts are read again, but in paced batches, not in one burst (watchContacts.ts says why not
  // only those whose groups changed).
  forgetMembers()
  forgetAudiences()
  const receipts = new GroupReceiptReads()
  for (const conn of pool.connections()) {
    if (!conn.stream.started) continue
    conn.enqueue(async () => {
      if (!conn.closed) await catchUpGroups(conn, receipts)
    })
  }
}
