import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import type { Database } from '../../infra/database/schema'
import { hasRowLocks, useDb } from '../../infra/db'
import { appendEvents } from './events'
import type { ReceiptEvent, ReceiptInput } from './model'
import { unreadCounts } from './reads'
import { conversationOf, receiptState } from './rows'
import { useSqliteWriter } from './sqlite/writer'
import { inStoreQueue } from './writes'

/**
 * Records that `userId` received (or read) the conversation with `peer` up to `seq`. Receipts only
 * move forward and never past the newest message; reading implies having received. Returns the
 * receipt event of each participant, or none when nothing changed. On SQLite in the writer
 * thread (sqlite/writes.ts), on PostgreSQL below.
 */
export function recordReceipt(input: ReceiptInput): Promise<ReceiptEvent[]> {
  // Counted with the messages waiting to be written: BusyError when too many wait.
  return inStoreQueue(async () => {
    const db = await useDb()
    return hasRowLocks(db) ? recordReceiptWith(db, input) : useSqliteWriter().recordReceipt(input)
  })
}

/** The receipt through Kysely, with PostgreSQL's row locks taken in the global order. */
export async function recordReceiptWith(db: Kysely<Database>, { userId, peer, kind, seq }: ReceiptInput): Promise<ReceiptEvent[]> {
  const lockRows = hasRowLocks(db)
  const conv = conversationOf(userId, peer)
  const side = conv.lo === userId ? 'lo' : 'hi'
  const deliveredCol = `${side}_delivered` as const
  const readCol = `${side}_read` as const
  // One conditional UPDATE, so concurrent receipts can only move the counters forward (no
  // read-modify-write race), capped at the newest message. Reading implies having received.
  const target = sql<number>`(CASE WHEN ${seq} < last_seq THEN ${seq} ELSE last_seq END)`
  const forward = (col: string) => sql<number>`(CASE WHEN ${sql.ref(col)} < ${target} THEN ${target} ELSE ${sql.ref(col)} END)`
  const behind = (col: string) => sql<boolean>`${sql.ref(col)} < ${target}`
  return db.transaction().execute(async (trx) => {
    // The UPDATE locks the conversation's row first, then appendEvents the users' rows: the same
    // order as storing messages, so the two cannot deadlock on PostgreSQL.
    const after = await trx.updateTable('conversations')
      .set(kind === 'read'
        ? { [deliveredCol]: forward(deliveredCol), [readCol]: forward(readCol) }
        : { [deliveredCol]: forward(deliveredCol) })
      .where('id', '=', conv.id)
      .where(kind === 'read' ? sql<boolean>`(${behind(deliveredCol)} OR ${behind(readCol)})` : behind(deliveredCol))
      .returningAll()
      .executeTakeFirst()
    if (!after) return []
    const participants = [conv.lo, conv.hi]
    const positions = await appendEvents(trx, participants.map(u => ({ userId: u, kind: 'receipt' as const, conversationId: conv.id, messageId: null })), lockRows)
    const events: ReceiptEvent[] = []
    for (const [i, u] of participants.entries()) {
      const unread = (await unreadCounts(trx, u, [conv.id])).get(conv.id) ?? 0
      events.push({ userId: u, pos: positions[i]!, state: receiptState(after, u, unread) })
    }
    return events
  })
}
