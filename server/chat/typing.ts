import { encodeFrame } from '#shared/protocol'
import type { TypingFrame, ViewFrame } from '#shared/protocol'
import { useCluster } from '../cluster/cluster'
import { TokenBucket } from '../http/rateLimit'
import { rateLimited } from '../metrics/registry'
import type { Answer } from '../socket/connection'
import { sendErrorFrame } from '../socket/frames'
import { viewers } from '../socket/viewing'
import { pool } from '../utils/pool'
import type { Connection } from '../utils/pool'

/**
 * Typing indicators: relayed to the sockets that show the conversation, on this instance and (one
 * envelope) on the others; never stored, never replayed, never acknowledged.
 */

/**
 * Each socket's typing budget: the reference client sends one every 3 s while the text changes
 * plus a stop, so a burst of 6 and one every 2 s leave it room (switching conversations, sending
 * and typing again) while a flood costs at most one relay every 2 s. Over it, typing is dropped
 * without an answer: it is advisory, and an error per frame would cost as much as the relay saved.
 * (Every frame also spends the connection's frame budget first.)
 */
export const TYPING_BURST = 6
export const TYPING_PER_SECOND = 0.5
const budgets = new WeakMap<Connection, TokenBucket>()

function budgetAllows(conn: Connection, now: number): boolean {
  let bucket = budgets.get(conn)
  if (!bucket) budgets.set(conn, bucket = new TokenBucket(TYPING_BURST, TYPING_PER_SECOND, now))
  if (bucket.take(now)) return true
  rateLimited.typing.n++
  return false
}

/** A typing notice on its way to the viewers: for `to` (direct) or the members of `group`. */
export interface TypingNote {
  sender: number
  to?: number
  group?: string
  /** The `typing` frame as the viewers receive it. */
  text: string
}

/** The socket shows another conversation now (or none). */
export function noteView(conn: Connection, frame: ViewFrame): Answer {
  if (!conn.closed) viewers.set(conn, frame.conv)
  return () => {}
}

/**
 * Someone types. The budget is spent on arrival; who may type where is judged at the frame's turn,
 * after earlier frames (a `resume` before it has set which groups the socket follows): a group
 * only by a socket that follows it, which is exactly its user's membership as this socket's
 * stream has applied it (no lookup; a removed member's socket stops following at the removal).
 * A direct conversation, like a `send`, with anyone: only a socket of theirs that shows the
 * conversation with the typist gets it.
 */
export function relayTyping(conn: Connection, frame: TypingFrame, now = Date.now()): Answer {
  if (!budgetAllows(conn, now)) return () => {}
  return () => {
    if (conn.closed || frame.conv === conn.user.id) return
    const group = typeof frame.conv === 'string' ? frame.conv : undefined
    if (group !== undefined && conn.groups.position(group) === undefined) {
      return sendErrorFrame(conn, 'not_member', 'You are not a member of this group.')
    }
    const conv = group ?? conn.user.id
    const text = encodeFrame({ type: 'typing', conv, from: conn.user.id, username: conn.user.username, ...(frame.stop ? { stop: true } : {}) })
    const note: TypingNote = group === undefined ? { sender: conn.user.id, to: frame.conv as number, text } : { sender: conn.user.id, group, text }
    deliverTypingHere(note)
    useCluster().publishTyping(note)
  }
}

/**
 * Hands a typing notice to the sockets here that show its conversation (never the typist's own);
 * `member`: in a group, to that member's sockets only (another instance's copy for them).
 */
export function deliverTypingHere(note: TypingNote, member?: number): void {
  if (note.group !== undefined) {
    for (const conn of viewers.of(note.group)) {
      if (member !== undefined && conn.user.id !== member) continue
      // Members only: a socket follows a group from its resume (or joining) to the user's leaving.
      if (conn.user.id !== note.sender && conn.groups.position(note.group) !== undefined) conn.send(note.text)
    }
    return
  }
  if (note.to === undefined) return
  for (const conn of pool.connectionsOf(note.to)) {
    if (viewers.viewing(conn) === note.sender) conn.send(note.text)
  }
}
