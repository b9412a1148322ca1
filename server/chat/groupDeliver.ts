import { createBackoff } from '#shared/backoff'
import type { Backoff } from '#shared/backoff'
import { RESUME_BATCH, encodeFrame } from '#shared/protocol'
import type { GroupMessageFrame } from '#shared/protocol'
import { useCluster } from '../cluster/cluster'
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
  const p = { line, sending, member }
  const done = attempt(p)
  if (done !== null) void done.then(failure => failure && wait(p, failure.error))
}

interface Pending { line: GroupLine, sending?: Connection, member?: number }

/** Delivers the line once its members are known: null when done at once, else whether the read failed. */
function attempt({ line, sending, member }: Pending): Promise<{ error: unknown } | null> | null {
  // A membership line: the group read again and the audiences of its people forgotten, once per line
  // here however many members' copies come (membershipLines.ts).
  const users = line.system ? membershipLineRecipients(line.conv, line.seq) : recipientsOf(line.conv, line.seq, false)
  if (Array.isArray(users)) {
    fanOut(line, users, sending, member)
    return null
  }
  return users.then((u) => {
    fanOut(line, u, sending, member)
    return null
  }, (error: unknown) => ({ error }))
}

/**
 * Lines here whose members could not be read (the database failing), by group. They wait, and are
 * tried again together — after 1, 2, 4 s, then doubling up to 30 s, until the read succeeds — with
 * one timer per group however many lines wait; tried in one turn, they share one read
 * (groupMembers.ts). A line behind one that came meanwhile was read from storage by the gap repair,
 * and live() then drops it. Nothing is read per socket while the database fails, no socket is closed
 * for it, and a stored line never waits for the group's next line to be shown.
 */
const unread = new Map<string, { lines: Pending[], backoff: Backoff, logged: boolean }>()

function wait(p: Pending, error: unknown): void {
  const conv = p.line.conv
  const group = unread.get(conv)
  if (group) return void group.lines.push(p)
  const fresh = { lines: [p], backoff: createBackoff({ baseMs: 1000, capMs: 30_000, jitter: false }), logged: false }
  unread.set(conv, fresh)
  later(conv, fresh, error)
}

function later(conv: string, group: { backoff: Backoff, logged: boolean }, error: unknown): void {
  // Logged once per outage of the group, when the read has failed 4 times (about 7 s).
  if (!group.logged && group.backoff.attempts >= 3) {
    group.logged = true
    log.error('group members unreadable', { conv, err: error })
  }
  setTimeout(() => void tryAgain(conv), group.backoff.duration()).unref()
}

async function tryAgain(conv: string): Promise<void> {
  const group = unread.get(conv)!
  const lines = group.lines.splice(0)
  const results = await Promise.all(lines.map(p => attempt(p)))
  const failed = lines.filter((_, i) => results[i] !== null)
  // (Lines that failed meanwhile joined `group.lines`: they wait with these.)
  group.lines.unshift(...failed)
  if (group.lines.length === 0) return void unread.delete(conv)
  later(conv, group, results.find(r => r !== null)?.error)
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
