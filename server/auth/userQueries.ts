import { sql } from 'kysely'
import type { Kysely, RawBuilder } from 'kysely'
import { prefixEnd, usernameKey } from '#shared/usernames'
import { hasRowLocks } from '../infra/database/basics'
import type { Database } from '../infra/database/schema'

/**
 * The account queries the server and the operator's command line share, as functions of a Kysely
 * database (the server passes its own; the command line the one it opened).
 */

/**
 * Username keys compared and ordered by code point. SQLite's default BINARY collation is that
 * already; PostgreSQL's depends on the database (en_US sorts "a-c" between "ab" and "ac", which
 * breaks prefix ranges), so there the key is compared under "C", served by the index
 * users_username_key_c of migration 0005.
 */
export function keyColumn(db: Kysely<Database>): RawBuilder<string> {
  return hasRowLocks(db) ? sql<string>`username_key COLLATE "C"` : sql<string>`username_key`
}

/** An account as sign-in and the command line see it. */
export interface AccountRow {
  id: number
  username: string
  username_key: string
  password_hash: string
  created_at: number
  disabled_at: number | null
}

/** The columns of an AccountRow. */
export const ACCOUNT_COLUMNS = ['id', 'username', 'username_key', 'password_hash', 'created_at', 'disabled_at'] as const

/**
 * A users row with its times as numbers: PostgreSQL returns bigint columns (and counts) as
 * strings, SQLite numbers. The one place either is turned into the other.
 */
export function withNumberTimes<T extends { created_at: number | string, disabled_at: number | string | null }>(row: T): Omit<T, 'created_at' | 'disabled_at'> & { created_at: number, disabled_at: number | null } {
  return { ...row, created_at: Number(row.created_at), disabled_at: row.disabled_at === null ? null : Number(row.disabled_at) }
}

/**
 * The accounts a typed name may mean, best first: the one whose key is the name's key, then one
 * that kept an older key, the lower-cased name (an account whose key migration 0005 could not
 * update, its new key being another's). The second key finds only such a kept key, never another
 * account's current one.
 */
export async function accountsNamed(db: Kysely<Database>, name: string): Promise<AccountRow[]> {
  const keys = [...new Set([usernameKey(name), name.toLowerCase()])]
  const found = await db.selectFrom('users')
    .select(ACCOUNT_COLUMNS)
    .where('username_key', 'in', keys)
    .execute()
  const rows = found.filter(r => r.username_key === keys[0] || usernameKey(r.username_key) !== r.username_key)
  rows.sort((a, b) => keys.indexOf(a.username_key) - keys.indexOf(b.username_key))
  return rows.map(withNumberTimes)
}

/**
 * Accounts whose key starts with the key of `prefix`, except `exclude`, in key order after the
 * key `after`, one row more than `limit` (so the caller knows whether a page follows). A range on
 * the keys' code points, served by an index on both databases however many accounts there are.
 */
export function searchQuery(db: Kysely<Database>, prefix: string, exclude: number, after: string | null, limit: number) {
  const column = keyColumn(db)
  const start = usernameKey(prefix)
  const end = prefixEnd(start)
  let query = db.selectFrom('users').select(['id', 'username', 'username_key'])
    .where(column, '>=', start).where('id', '<>', exclude)
    .orderBy(column).limit(limit + 1)
  if (end !== null) query = query.where(column, '<', end)
  if (after !== null) query = query.where(column, '>', after)
  return query
}
