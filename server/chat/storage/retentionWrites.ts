import { sql } from 'kysely'
import type { Steps, WriteContext } from './groupWrites'
import { streamCuts } from './retentionPlan'

/**
 * Deleting a batch of old messages, written once for both databases as a generator (like the group
 * writes): the SQLite writer thread runs it inside its transaction, the PostgreSQL path in a
 * pooled one (retention.ts). Nothing here may import the server's runtime: the writer thread is
 * bundled from this.
 */

/** PostgreSQL advisory lock held by the instance deleting a batch: the others skip their run. */
export const RETENTION_LOCK_KEY = 0x6a7a7274

/** What one batch deleted. `busy`: another instance was deleting (PostgreSQL); nothing was done. */
export interface RetentionBatch { messages: number, events: number, busy: boolean }

/**
 * Deletes these messages and cuts their users' streams at their newest event (retentionPlan.ts
 * streamCuts), in one transaction, written once for both databases. Idempotent: messages or events
 * deleted already are simply not found. On PostgreSQL it first takes the retention lock without
 * waiting; when another instance holds it, nothing is done (`busy`). Row locks: only the deleted
 * rows (no conversation or user row), so the relay's writes never wait for it.
 */
export function* deleteMessageBatch(ctx: WriteContext, ids: readonly number[]): Steps<RetentionBatch> {
  const { qb } = ctx
  if (ids.length === 0) return { messages: 0, events: 0, busy: false }
  if (ctx.lockRows) {
    const [lock] = (yield sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK_KEY}) AS ok`.compile(qb)) as Array<{ ok: boolean }>
    if (!lock?.ok) return { messages: 0, events: 0, busy: true }
  }
  const ends = (yield qb.selectFrom('events').select(['user_id', eb => eb.fn.max('pos').as('pos')])
    .where('message_id', 'in', ids).groupBy('user_id').compile()) as Array<{ user_id: number, pos: number }>
  let events = 0
  for (const cut of streamCuts(ends.map(r => ({ userId: Number(r.user_id), pos: Number(r.pos) })))) {
    const gone = (yield qb.deleteFrom('events').where('user_id', '=', cut.userId).where('pos', '<=', cut.upTo).returning('pos').compile()) as unknown[]
    events += gone.length
  }
  const messages = (yield qb.deleteFrom('messages').where('id', 'in', ids).returning('id').compile()) as unknown[]
  return { messages: messages.length, events, busy: false }
}
