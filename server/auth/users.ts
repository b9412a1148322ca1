import { hash, verify } from '@node-rs/argon2'
import { sql } from 'kysely'
import type { Kysely, RawBuilder } from 'kysely'
import type { PublicUser } from '#shared/protocol'
import { normalizeUsername, prefixEnd, usernameKey } from '#shared/usernames'
import type { Database } from '../infra/database/schema'
import { hasRowLocks, useDb } from '../infra/db'
import { useWriteDb } from '../chat/storage/sqlite/writerDialect'

/** Argon2id with the library defaults (m=19 MiB, t=2, p=1: OWASP's recommended minimum). */
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$lf35gDuGlR4qWEEni2UPhQ$a6F3ih2Qsf2ym8oCElqgVEZHFtlpsA9lANWUSO+zASo'

export class UsernameTakenError extends Error {}

/**
 * Username keys compared and ordered by code point. SQLite's default BINARY collation is that
 * already; PostgreSQL's depends on the database (en_US sorts "a-c" between "ab" and "ac", which
 * breaks prefix ranges), so there the key is compared under "C", served by the index
 * users_username_key_c of migration 0005.
 */
function keyColumn(db: Kysely<Database>): RawBuilder<string> {
  return hasRowLocks(db) ? sql<string>`username_key COLLATE "C"` : sql<string>`username_key`
}

/** Creates an account under the NFKC form of `username`; taken when its key is. */
export async function createUser(username: string, password: string): Promise<PublicUser> {
  const db = await useWriteDb()
  const passwordHash = await hash(password)
  const name = normalizeUsername(username)
  const row = await db.insertInto('users')
    .values({ username: name, username_key: usernameKey(name), password_hash: passwordHash, created_at: Date.now() })
    .onConflict(oc => oc.column('username_key').doNothing())
    .returning(['id', 'username'])
    .executeTakeFirst()
  if (!row) throw new UsernameTakenError(`The username "${name}" is taken.`)
  return row
}

/**
 * The user with these credentials, or null. Takes the same time whether or not the user exists.
 * Found by the key of what was typed; an account whose key migration 0005 could not update (its
 * new key was another's) keeps its old one, the lower-cased name, and is tried by that second.
 */
export async function verifyCredentials(username: string, password: string): Promise<PublicUser | null> {
  const db = await useDb()
  const keys = [...new Set([usernameKey(username), username.toLowerCase()])]
  const found = await db.selectFrom('users')
    .select(['id', 'username', 'username_key', 'password_hash'])
    .where('username_key', 'in', keys)
    .execute()
  // The second key finds only a kept old key, never another account's current one.
  const rows = found.filter(r => r.username_key === keys[0] || usernameKey(r.username_key) !== r.username_key)
  rows.sort((a, b) => keys.indexOf(a.username_key) - keys.indexOf(b.username_key))
  if (rows.length === 0) await verify(DUMMY_HASH, password).catch(() => false)
  for (const row of rows) {
    if (await verify(row.password_hash, password).catch(() => false)) return { id: row.id, username: row.username }
  }
  return null
}

/** Whether `password` is this user's (a password change checks the current one by id, not by name). */
export async function passwordMatches(userId: number, password: string): Promise<boolean> {
  const db = await useDb()
  const row = await db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirst()
  return await verify(row?.password_hash ?? DUMMY_HASH, password).catch(() => false) && row !== undefined
}

/** Most accounts one page of the people list holds. */
export const USERS_PAGE_MAX = 1000

/**
 * One page of accounts in key order (code points), after the key `after` (exclusive). `next` is
 * the key to ask for the following page, or null after the last one.
 */
export async function listUsers(after: string | null, limit: number): Promise<{ users: PublicUser[], next: string | null }> {
  const db = await useDb()
  const key = keyColumn(db)
  let query = db.selectFrom('users').select(['id', 'username', 'username_key']).orderBy(key).limit(limit + 1)
  if (after !== null) query = query.where(key, '>', after)
  return page(await query.execute(), limit)
}

/** Most accounts one search answers with. */
export const SEARCH_PAGE_MAX = 50

/**
 * Accounts whose name starts with `prefix` up to width, case and composition (by key), except
 * `exclude` (the one searching), in key order after the key `after` (a `next` of an earlier page);
 * `next` as in listUsers. A range on the keys' code points, served by an index on both databases
 * however many accounts there are.
 */
export async function searchUsers(prefix: string, exclude: number, after: string | null, limit: number): Promise<{ users: PublicUser[], next: string | null }> {
  return page(await searchQuery(await useDb(), prefix, exclude, after, limit).execute(), limit)
}

/** The query of searchUsers, one row more than a page (tests read its plan). */
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

function page(rows: { id: number, username: string, username_key: string }[], limit: number) {
  const users = rows.slice(0, limit)
  return {
    users: users.map(r => ({ id: r.id, username: r.username })),
    next: rows.length > limit ? users.at(-1)!.username_key : null,
  }
}

/** Replaces a user's password hash. */
export async function setPassword(userId: number, password: string): Promise<void> {
  const db = await useWriteDb()
  await db.updateTable('users').set({ password_hash: await hash(password) }).where('id', '=', userId).execute()
}
