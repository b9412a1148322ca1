import type { PublicUser } from '#shared/protocol'
import { normalizeUsername, usernameKey } from '#shared/usernames'
import { useDb } from '../infra/db'
import { useWriteDb } from '../chat/storage/sqlite/writerDialect'
import { DUMMY_HASH, hashPassword, passwordMatchesHash } from './passwords'
import { accountsNamed, keyColumn, searchQuery } from './userQueries'

export { searchQuery }

export class UsernameTakenError extends Error {}

/** The credentials were right, but the operator disabled the account (docs/operations.md). */
export class AccountDisabledError extends Error {}

/** Creates an account under the NFKC form of `username`; taken when its key is. */
export async function createUser(username: string, password: string): Promise<PublicUser> {
  return (await createAccount(username, password)).user
}

/** createUser, with the password hash stored (a session is started on it: sessionRows.ts). */
export async function createAccount(username: string, password: string): Promise<{ user: PublicUser, passwordHash: string }> {
  const db = await useWriteDb()
  const passwordHash = await hashPassword(password)
  const name = normalizeUsername(username)
  const row = await db.insertInto('users')
    .values({ username: name, username_key: usernameKey(name), password_hash: passwordHash, created_at: Date.now() })
    .onConflict(oc => oc.column('username_key').doNothing())
    .returning(['id', 'username'])
    .executeTakeFirst()
  if (!row) throw new UsernameTakenError(`The username "${name}" is taken.`)
  return { user: row, passwordHash }
}

/**
 * The user with these credentials, or null. Takes the same time whether or not the user exists.
 * Found by the key of what was typed (then by an older key kept by migration 0005: userQueries.ts).
 * Throws AccountDisabledError for a disabled account: said only to someone who knows its password.
 */
export async function verifyCredentials(username: string, password: string): Promise<PublicUser | null> {
  return (await checkCredentials(username, password))?.user ?? null
}

/**
 * verifyCredentials, with the hash the password matched: sign-in starts its session only if the
 * account still has it (sessionRows.ts).
 */
export async function checkCredentials(username: string, password: string): Promise<{ user: PublicUser, passwordHash: string } | null> {
  const rows = await accountsNamed(await useDb(), username)
  if (rows.length === 0) await passwordMatchesHash(DUMMY_HASH, password)
  for (const row of rows) {
    if (!await passwordMatchesHash(row.password_hash, password)) continue
    if (row.disabled_at !== null) throw new AccountDisabledError(`The account "${row.username}" is disabled.`)
    return { user: { id: row.id, username: row.username }, passwordHash: row.password_hash }
  }
  return null
}

/** Which of these accounts the operator disabled, in one query per thousand. */
export async function disabledAmong(userIds: readonly number[]): Promise<Set<number>> {
  const db = await useDb()
  const disabled = new Set<number>()
  for (let i = 0; i < userIds.length; i += 1000) {
    const rows = await db.selectFrom('users').select('id').where('id', 'in', userIds.slice(i, i + 1000)).where('disabled_at', 'is not', null).execute()
    for (const r of rows) disabled.add(r.id)
  }
  return disabled
}

/** Whether the operator disabled this account (a missing account counts as disabled). */
export async function isDisabled(userId: number): Promise<boolean> {
  const row = await (await useDb()).selectFrom('users').select('disabled_at').where('id', '=', userId).executeTakeFirst()
  return !row || row.disabled_at !== null
}

/** Whether `password` is this user's (a password change checks the current one by id, not by name). */
export async function passwordMatches(userId: number, password: string): Promise<boolean> {
  const db = await useDb()
  const row = await db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirst()
  return await passwordMatchesHash(row?.password_hash ?? DUMMY_HASH, password) && row !== undefined
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

function page(rows: { id: number, username: string, username_key: string }[], limit: number) {
  const users = rows.slice(0, limit)
  return {
    users: users.map(r => ({ id: r.id, username: r.username })),
    next: rows.length > limit ? users.at(-1)!.username_key : null,
  }
}

/** Replaces a user's password hash; returns the new hash. */
export async function setPassword(userId: number, password: string): Promise<string> {
  const db = await useWriteDb()
  const passwordHash = await hashPassword(password)
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute()
  return passwordHash
}
