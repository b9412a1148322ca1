import { RESUME_BATCH, encodeFrame } from '#shared/protocol'
import type { GroupMessageFrame } from '#shared/protocol'
import { useCluster } from '../cluster/cluster'
import { MEMBER_RETRY_MS } from '../cluster/memberRouting'
import { log } from '../infra/log'
import { catchUps } from '../metrics/registry'
import { pool } from '../utils/pool'
import type { Connection } from '../utils/pool'
import { recipientsOf } from './groupMembers'
import { membershipLineRecipients } from './membershipLines'
import type { StoredGroupMessage } from './storage/groupModel'
import { lineFor, linesAfter } from './storage/groupReads'
import { groupTrimmedTo } from './storage/retention'
import { trimmedBefore } from './storage/retentionPlan'

/** A group's line with its two encodings: for the members, and (with the cid) for the sender's devices. */
export interface GroupLine { conv: string, seq: number, from: number, system: boolean, text: string, own: string }

/** The `groupMessage` frame of a line as `forUser` receives it (the cid only on their own lines). */
function lineText(line: StoredGroupMessage, forUser: number): string {
  return encodeFrame({ type: 'groupMessage', ...lineFor(line, forUser) } as GroupMessageFrame)
}

export function encodeLine(line: StoredGroupMessage): GroupLine {
  return { conv: line.conv, seq: line.seq, from: line.from, system: line.system !== undefined, text: lineText(line, 0), own: lineText(line, line.from) }
}

/**
 * Hands a stored line to the sockets here of the members it is for, each in seq order (GroupCursors).
 * `sending`: the socket that sent it, which has its ack instead. `member`: only this member's sockets
 * (another instance's copy for them: each member's copy comes on their own channel).
 */
export function deliverLineHere(line: GroupLine, sending?: Connection, member?: number): void {
  deliverTry(line, sending, member, 0)
}

function deliverTry(line: GroupLine, sending: Connection | undefined, member: number | undefined, tries: number): void {
  // A membership line: the group read again and the audiences of its people forgotten, once per line
  // here however many members' copies come (membershipLines.ts).
  const users = line.system ? membershipLineRecipients(line.conv, line.seq) : recipientsOf(line.conv, line.seq, false)
  if (Array.isArray(users)) fanOut(line, users, sending, member)
  else users.then(u => fanOut(line, u, sending, member), err => unreadable(line, sending, member, tries, err))
}

/**
 * The members could not be read (the database failing): read again after 1, 2 and 4 s; then the
 * sockets here that follow the group read what they lack from storage (a catch-up that fails too
 * closes its socket with 1011, and the client resumes when it reconnects), so a stored line never
 * waits for the group's next line to be shown.
 */
function unreadable(line: GroupLine, sending: Connection | undefined, member: number | undefined, tries: number, err: unknown): void {
  if (tries < MEMBER_RETRY_MS.length) {
    setTimeout(() => deliverTry(line, sending, member, tries + 1), MEMBER_RETRY_MS[tries]).unref()
    return
  }
  log.error('group members unreadable', { conv: line.conv, err })
  const followers = member === undefined ? pool.connections() : pool.connectionsOf(member)
  for (const conn of followers) {
    if (conn.groups.position(line.conv) === undefined) continue
    catchUps.group.n++
    catchUpGroup(conn, line.conv)
  }
}

function fanOut(line: GroupLine, users: number[], sending?: Connection, member?: number): void {
  for (const userId of member === undefined ? users : users.filter(id => id === member)) {
    for (const conn of pool.connectionsOf(userId)) {
      const text = conn === sending ? null : userId === line.from ? line.own : line.text
      for (const t of conn.groups.live(line.conv, line.seq, text)) conn.send(t)
      if (conn.groups.gaps().length > 0) repairSoon(conn)
    }
  }
}

/** Delivers a stored line here and hands it to the other instances. */
export function deliverLine(line: GroupLine, sending?: Connection): void {
  deliverLineHere(line, sending)
  useCluster().publishGroupLine(line)
}

const repairing = new WeakSet<Connection>()

/**
 * Lines wait behind a missing one: usually it comes within milliseconds (another instance's
 * envelope); if not, it is read from storage.
 */
const REPAIR_AFTER_MS = 20

function repairSoon(conn: Connection): void {
  if (repairing.has(conn)) return
  repairing.add(conn)
  setTimeout(() => {
    repairing.delete(conn)
    for (const conv of conn.groups.gaps()) {
      catchUps.group.n++
      catchUpGroup(conn, conv)
    }
  }, REPAIR_AFTER_MS).unref()
}

/** Reads a group's lines after the socket's position, at the reader's pace (in its frame queue). */
export function catchUpGroup(conn: Connection, conv: string): void {
  conn.enqueue(async () => {
    if (!conn.closed) await replayGroup(conn, conv)
  })
}

/**
 * Sends the stored lines of a group after the socket's position, in batches. Lines retention
 * deleted after the position are announced first (`groupTrimmed`), so the client moves on instead
 * of seeing a gap.
 */
export async function replayGroup(conn: Connection, conv: string): Promise<void> {
  for (let read = 0; ; read++) {
    const from = conn.groups.position(conv)
    if (from === undefined || conn.closed) return
    const lines = await linesAfter(conn.user.id, conv, from, RESUME_BATCH)
    // (An empty first read, where the socket is behind the group, may be a group cut to its end.)
    const cut = lines[0] ? trimmedBefore(from, lines[0].seq) : read === 0 ? await groupTrimmedTo(conv) : from
    if (conn.closed) return
    if (conn.groups.trim(conv, cut)) {
      conn.send(encodeFrame({ type: 'groupTrimmed', conv, seq: cut }))
      if (lines.length === 0) continue
    }
    // Each line encoded once, as this member receives it.
    const encoded = lines.map(l => ({ seq: l.seq, text: lineText(l, conn.user.id) }))
    for (const text of conn.groups.replay(conv, encoded)) conn.send(text)
    // A full batch that moved nothing would be read again for ever: stop (the next line repairs).
    if (lines.length < RESUME_BATCH || conn.groups.position(conv) === from) return
    await conn.room()
  }
}
