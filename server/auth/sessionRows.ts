import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import { hasRowLocks } from '../infra/database/basics'
import type { Database } from '../infra/database/schema'

/** A session to store, with the password hash its sign-in checked. */
export interface NewSession {
  idHash: string
  userId: number
  /** The hash the password was checked against (or was just set to). */
  passwordHash: string
  createdAt: number
  expiresAt: number
}

/**
 * Stores a session only if its account still has the password hash that was checked and is not
 * disabled; returns whether it did. Checking a password takes tens of milliseconds (Argon2): the
 * operator's reset-password or disable may commit in between, and deletes the sessions it finds
 * then — a session inserted afterwards with the old password would outlive it. The condition is in
 * the INSERT itself, so no commit can fall between check and write. On SQLite the writer runs one
 * write at a time; on PostgreSQL the user row is read FOR SHARE, so an INSERT meeting the command
 * line's uncommitted UPDATE waits for its commit and reads the row as changed (READ COMMITTED).
 */
export async function insertSessionIfCurrent(db: Kysely<Database>, s: NewSession): Promise<boolean> {
  // (Typed casts: PostgreSQL does not take parameter types from INSERT … SELECT's target columns.)
  let source = db.selectFrom('users')
    .select([
      sql<string>`CAST(${s.idHash} AS TEXT)`.as('id_hash'),
      'id as user_id',
      sql<number>`CAST(${s.createdAt} AS BIGINT)`.as('created_at'),
      sql<number>`CAST(${s.expiresAt} AS BIGINT)`.as('expires_at'),
    ])
    .where('id', '=', s.userId)
    .where('password_hash', '=', s.passwordHash)
    .where('disabled_at', 'is', null)
  if (hasRowLocks(db)) source = source.forShare()
  const inserted = await db.insertInto('sessions')
    .columns(['id_hash', 'user_id', 'created_at', 'expires_at'])
    .expression(source)
    .returning('id_hash')
    .execute()
  return inserted.length > 0
}
