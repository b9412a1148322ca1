import { hasRowLocks, useDb } from '../../infra/db'
import { onPostgres } from './groups'
import type { MessageAge } from './retentionPlan'
import { deleteMessageBatch } from './retentionWrites'
import type { RetentionBatch } from './retentionWrites'
import { useSqliteWriter } from './sqlite/writer'

export type { RetentionBatch }

/**
 * Message retention's storage: the scan of the oldest messages, the deletion of a batch with its
 * stream events (one transaction: retentionWrites.ts), and where a stream or a group's kept part
 * starts now (for a resume from before it). Decisions: retentionPlan.ts; the schedule: ../retention.ts.
 */

/** The next `limit` messages after id `after`, in id order, with their age (read, not locked). */
export async function messagesAfter(after: number, limit: number): Promise<MessageAge[]> {
  const db = await useDb()
  const rows = await db.selectFrom('messages').select(['id', 'conversation_id', 'created_at'])
    .where('id', '>', after).orderBy('id').limit(limit).execute()
  return rows.map(r => ({ id: Number(r.id), conversationId: r.conversation_id, createdAt: Number(r.created_at) }))
}

/** Deletes a batch (deleteMessageBatch): on SQLite in the writer thread, on PostgreSQL in a pooled transaction. */
export async function deleteMessages(ids: readonly number[]): Promise<RetentionBatch> {
  const db = await useDb()
  return hasRowLocks(db) ? onPostgres(db, ctx => deleteMessageBatch(ctx, ids)) : useSqliteWriter().deleteMessages(ids)
}

/**
 * The last position of the user's stream that retention deleted (0 when none). The head is read
 * first: with no event left, everything up to it was deleted, and an event stored meanwhile comes
 * after it.
 */
export async function streamTrimmedTo(userId: number): Promise<number> {
  const db = await useDb()
  const user = await db.selectFrom('users').select('stream_head').where('id', '=', userId).executeTakeFirst()
  const first = await db.selectFrom('events').select(eb => eb.fn.min('pos').as('pos')).where('user_id', '=', userId).executeTakeFirst()
  return first?.pos == null ? Number(user?.stream_head ?? 0) : Number(first.pos) - 1
}

/** The last seq of the group that retention deleted (0 when none); the same order of reads as above. */
export async function groupTrimmedTo(conv: string): Promise<number> {
  const db = await useDb()
  const group = await db.selectFrom('conversations').select('last_seq').where('id', '=', conv).executeTakeFirst()
  const first = await db.selectFrom('messages').select(eb => eb.fn.min('seq').as('seq')).where('conversation_id', '=', conv).executeTakeFirst()
  return first?.seq == null ? Number(group?.last_seq ?? 0) : Number(first.seq) - 1
}
