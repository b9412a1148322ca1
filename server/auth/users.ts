import { hash, verify } from '@node-rs/argon2'
import type { PublicUser } from '#shared/protocol'
import { useDb } from '../infra/db'
import { useWriteDb } from '../chat/storage/sqlite/writerDialect'

/** Argon2id with the library defaults (m=19 MiB, t=2, p=1: OWASP's recommended minimum). */
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$lf35gDuGlR4qWEEni2UPhQ$a6F3ih2Qsf2ym8oCElqgVEZHFtlpsA9lANWUSO+zASo'

export class UsernameTakenError extends Error {}

export async function createUser(username: string, password: string): Promise<PublicUser> {
  const db = await useWriteDb()
  const passwordHash = await hash(password)
  const row = await db.insertInto('users')
    .values({ username, username_key: username.toLowerCase(), password_hash: passwordHash, created_at: Date.now() })
    .onConflict(oc => oc.column('username_key').doNothing())
    .returning(['id', 'username'])
    .executeTakeFirst()
  if (!row) throw new UsernameTakenError(`The username "${username}" is taken.`)
  return row
}

/** The user with these credentials, or null. Takes the same time whether or not the user exists. */
export async function verifyCredentials(username: string, password: string): Promise<PublicUser | null> {
  const db = await useDb()
  const row = await db.selectFrom('users')
    .select(['id', 'username', 'password_hash'])
    .where('username_key', '=', username.toLowerCase())
    .executeTakeFirst()
  const ok = await verify(row?.password_hash ?? DUMMY_HASH, password).catch(() => false)
  return row && ok ? { id: row.id, username: row.username } : null
}

/** Most accounts one page of the people list holds. */
export const USERS_PAGE_MAX = 1000

/**
 * One page of accounts in username order, after the username key `after` (exclusive). `next` is
 * the key to ask for the following page, or null after the last one.
 */
export async function listUsers(after: string | null, limit: number): Promise<{ users: PublicUser[], next: string | null }> {
  const db = await useDb()
  let query = db.selectFrom('users').select(['id', 'username', 'username_key']).orderBy('username_key').limit(limit + 1)
  if (after !== null) query = query.where('username_key', '>', after)
  const rows = await query.execute()
  const page = rows.slice(0, limit)
  return {
    users: page.map(r => ({ id: r.id, username: r.username })),
    next: rows.length > limit ? page.at(-1)!.username_key : null,
  }
}

/** Most accounts one search answers with. */
export const SEARCH_PAGE_MAX = 50

/**
 * Accounts whose username starts with `prefix` (case-insensitive), except `exclude` (the one
 * searching), in username order after `after`; `next` as in listUsers. A range on the unique index
 * of username keys, however many accounts there are.
 */
export async function searchUsers(prefix: string, exclude: number, after: string | null, limit: number): Promise<{ users: PublicUser[], next: string | null }> {
  const db = await useDb()
  const key = prefix.toLowerCase()
  // Usernames are A–Z a–z 0–9 _ . -: every key with this prefix sorts before the prefix plus '~'.
  let query = db.selectFrom('users').select(['id', 'username', 'username_key'])
    .where('username_key', '>=', key).where('username_key', '<', `${key}~`).where('id', '<>', exclude)
    .orderBy('username_key').limit(limit + 1)
  if (after !== null) query = query.where('username_key', '>', after.toLowerCase())
  const rows = await query.execute()
  const page = rows.slice(0, limit)
  return {
    users: page.map(r => ({ id: r.id, username: r.username })),
    next: rows.length > limit ? page.at(-1)!.username_key : null,
  }
}

/** Replaces a user's password hash. */
export async function setPassword(userId: number, password: string): Promise<void> {
  const db = await useWriteDb()
  await db.updateTable('users').set({ password_hash: await hash(password) }).where('id', '=', userId).execute()
}
