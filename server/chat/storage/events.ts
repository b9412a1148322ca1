import { sql } from 'kysely'
import type { Transaction } from 'kysely'
import type { Database } from '../../infra/database/schema'

/** A position in some user's stream. */
export interface StreamPosition { userId: number, pos: number }

/** One event to append to a user's stream. */
export interface NewEvent {
  userId: number
  kind: 'message' | 'receipt'
  conversationId: string
  messageId: number | null
}

/**
 * `CASE id WHEN … THEN n … END`: a per-row increment for one set-based UPDATE. Everything is a
 * parameter, so the SQL depends only on the number of rows (and its compiled statement is reused);
 * the cast types the increments on PostgreSQL, where a bare parameter in a CASE would be text.
 */
export function incrementFor(counts: Map<string | number, number>) {
  return sql<number>`(CASE ${sql.ref('id')} ${sql.join([...counts].map(([id, n]) => sql`WHEN ${id} THEN CAST(${n} AS INTEGER)`), sql` `)} END)`
}

/**
 * The one way events are appended to users' streams: each user's head is advanced once by the
 * number of their new events, and the events take the positions in between, in the order given.
 * Set-based (one UPDATE, one INSERT, whatever the number of events). On PostgreSQL the users'
 * rows are locked in ascending id order, after any conversation rows the caller locked, so
 * concurrent transactions (several instances) cannot deadlock; SQLite has a single writer. The
 * lock is FOR NO KEY UPDATE, what an UPDATE of a non-key column takes: FOR UPDATE would also wait
 * for the KEY SHARE locks that inserting a row referencing the user takes (a new conversation in a
 * batch still waiting for its conversation rows), and the two deadlocked.
 * Returns the position of each event, in the order given.
 */
export async function appendEvents(trx: Transaction<Database>, events: readonly NewEvent[], lockRows: boolean): Promise<number[]> {
  if (events.length === 0) return []
  const perUser = new Map<number, number>()
  for (const e of events) perUser.set(e.userId, (perUser.get(e.userId) ?? 0) + 1)
  const userIds = [...perUser.keys()].sort((a, b) => a - b)
  if (lockRows) await trx.selectFrom('users').select('id').where('id', 'in', userIds).orderBy('id').forNoKeyUpdate().execute()
  const heads = await trx.updateTable('users')
    .set(eb => ({ stream_head: eb('stream_head', '+', incrementFor(new Map(userIds.map(u => [u, perUser.get(u)!])))) }))
    .where('id', 'in', userIds)
    .returning(['id', 'stream_head'])
    .execute()
  const next = new Map(heads.map(r => [r.id, Number(r.stream_head) - perUser.get(r.id)! + 1]))
  const positions = events.map((e) => {
    const pos = next.get(e.userId)
    if (pos === undefined) throw new Error(`appendEvents: no user ${e.userId}`)
    next.set(e.userId, pos + 1)
    return pos
  })
  await trx.insertInto('events').values(events.map((e, i) => ({
    user_id: e.userId, pos: positions[i]!, kind: e.kind, conversation_id: e.conversationId, message_id: e.messageId,
  }))).execute()
  return positions
}
