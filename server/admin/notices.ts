import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import { hasRowLocks } from '../infra/database/basics'
import type { AdminNoticesTable, Database } from '../infra/database/schema'

/**
 * How the operator's command line tells running servers what it did (migration 0006): a row in
 * `admin_notices`, written in the same transaction as the change, that every server reads within
 * half a second (noticeWatch.ts). With Redis the command line also publishes it on the cluster
 * channel, which is immediate; the table is what works in every deployment, since the database is
 * the one thing every server shares with the command line (a control socket in the data folder
 * would reach only a server on the same machine, and none on PostgreSQL without Redis), and it
 * still reaches an instance whose Redis subscription was down when the envelope went out.
 */

export type NoticeKind = AdminNoticesTable['kind']

/** What a server does with a notice: close the sockets of these sessions (and, disabled, of the user). */
export interface Notice {
  id: number
  kind: NoticeKind
  userId: number
  sessions: string[]
}

/** How long a notice is kept: servers read it within a second; an hour leaves a trail to look at. */
export const NOTICE_KEEP_MS = 60 * 60_000

/**
 * Adds a notice inside the caller's transaction, and drops those past NOTICE_KEEP_MS. On PostgreSQL
 * the table is locked first (readers are not blocked), so notices commit in the order of their
 * ids: a server that read id 6 can never see id 5 commit later and skip it.
 */
export async function addNotice(trx: Kysely<Database>, kind: NoticeKind, userId: number, sessions: readonly string[], now: number): Promise<void> {
  if (hasRowLocks(trx)) await sql`LOCK TABLE admin_notices IN EXCLUSIVE MODE`.execute(trx)
  await trx.deleteFrom('admin_notices').where('created_at', '<', now - NOTICE_KEEP_MS).execute()
  await trx.insertInto('admin_notices')
    .values({ kind, user_id: userId, sessions: JSON.stringify(sessions), created_at: now })
    .execute()
}

/** The id of the newest notice, or 0: where a server starts reading. */
export async function latestNoticeId(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('admin_notices').select(eb => eb.fn.max('id').as('id')).executeTakeFirst()
  return Number(row?.id ?? 0)
}

/**
 * The id of the newest notice written before `time`, or 0: where a server that started at about
 * `time` starts reading (noticeWatch.ts). The times are the command line's clock; ids commit in
 * order, so every notice after this id was written at or after `time` by that clock, or is older and
 * harmless to act on again.
 */
export async function lastNoticeBefore(db: Kysely<Database>, time: number): Promise<number> {
  const row = await db.selectFrom('admin_notices').select(eb => eb.fn.max('id').as('id')).where('created_at', '<', time).executeTakeFirst()
  return Number(row?.id ?? 0)
}

/**
 * Whether a notice of the last hour says this session ended because its account was disabled:
 * how a client that comes back after the disable learns why it is signed out (sessions.ts). The
 * table holds an hour of notices, so the scan is short; hashes are base64url, so the pattern
 * needs no escape (an `_` matching any character cannot make another 43-character hash match).
 */
export async function disabledNoticeNames(db: Kysely<Database>, sessionHash: string): Promise<boolean> {
  const row = await db.selectFrom('admin_notices').select('id')
    .where('kind', '=', 'disabled').where('sessions', 'like', `%"${sessionHash}"%`)
    .limit(1).executeTakeFirst()
  return row !== undefined
}

/** Up to `limit` notices after id `after`, oldest first. */
export async function noticesAfter(db: Kysely<Database>, after: number, limit = 100): Promise<Notice[]> {
  const rows = await db.selectFrom('admin_notices').select(['id', 'kind', 'user_id', 'sessions'])
    .where('id', '>', after).orderBy('id').limit(limit).execute()
  return rows.map(r => ({ id: Number(r.id), kind: r.kind, userId: r.user_id, sessions: sessionList(r.sessions) }))
}

function sessionList(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : []
  }
  catch {
    return []
  }
}
