import type { Kysely } from 'kysely'
import { ACCOUNT_COLUMNS, accountsNamed, searchQuery, withNumberTimes } from '../auth/userQueries'
import type { AccountRow } from '../auth/userQueries'
import type { Database } from '../infra/database/schema'
import { AdminError } from './errors'
import { addNotice } from './notices'
import { endSessionsOf } from './sessions'
import { writeTransaction } from './transaction'

/**
 * The accounts side of the operator's command line, as functions of a Kysely database (tested on
 * SQLite and PostgreSQL in tests/storage/admin*.test.ts). Whatever ends sessions also writes a
 * notice in the same transaction, so running servers close the sockets (notices.ts).
 */

/** An account as the command line shows it. */
export interface AccountSummary {
  id: number
  username: string
  createdAt: number
  disabledAt: number | null
  /** Sessions that have not expired. */
  sessions: number
}

/** Most accounts one listing shows. */
export const LIST_MAX = 1000

/**
 * The account `ref` names: `#ID` by id, anything else as a username typed at sign-in (up to width,
 * case and composition; `#` is in no username). Throws `no_account` when there is none.
 */
export async function findAccount(db: Kysely<Database>, ref: string): Promise<AccountRow> {
  const byId = /^#(\d{1,15})$/.exec(ref)
  if (byId) {
    const row = await db.selectFrom('users').select(ACCOUNT_COLUMNS).where('id', '=', Number(byId[1])).executeTakeFirst()
    if (row) return withNumberTimes(row)
    throw new AdminError('no_account', `No account has the id ${byId[1]}.`)
  }
  const [row] = await accountsNamed(db, ref)
  if (!row) throw new AdminError('no_account', `No account is named "${ref}" (names match up to case and width; #ID names an account by its id).`)
  return row
}

function summaries(db: Kysely<Database>, now: number) {
  return db.selectFrom('users').select(eb => [
    'users.id', 'users.username', 'users.created_at', 'users.disabled_at',
    eb.selectFrom('sessions').select(eb.fn.countAll<number>().as('n'))
      .whereRef('sessions.user_id', '=', 'users.id').where('sessions.expires_at', '>', now).as('sessions'),
  ])
}

type SummaryRow = { id: number, username: string, created_at: number, disabled_at: number | null, sessions: number | null }

function summaryOf(r: SummaryRow): AccountSummary {
  const times = withNumberTimes(r)
  // (PostgreSQL returns counts as strings too.)
  return { id: r.id, username: r.username, createdAt: times.created_at, disabledAt: times.disabled_at, sessions: Number(r.sessions ?? 0) }
}

/** Accounts in the order they were made, after id `after`; `next` is the `after` of the next page, or null. */
export async function listAccounts(db: Kysely<Database>, after: number, limit: number, now: number): Promise<{ users: AccountSummary[], next: number | null }> {
  const rows = await summaries(db, now).where('users.id', '>', after).orderBy('users.id').limit(limit + 1).execute()
  const users = rows.slice(0, limit).map(summaryOf)
  return { users, next: rows.length > limit ? users.at(-1)!.id : null }
}

/**
 * Accounts whose name starts with `prefix` as the people search finds them (by key: up to width,
 * case and composition), in key order; `more` when there are others past `limit`.
 */
export async function findAccounts(db: Kysely<Database>, prefix: string, limit: number, now: number): Promise<{ users: AccountSummary[], more: boolean }> {
  const found = await searchQuery(db, prefix, 0, null, limit).execute()
  const ids = found.slice(0, limit).map(r => r.id)
  if (ids.length === 0) return { users: [], more: false }
  const rows = new Map((await summaries(db, now).where('users.id', 'in', ids).execute()).map(r => [r.id, summaryOf(r)]))
  return { users: ids.map(id => rows.get(id)!).filter(Boolean), more: found.length > limit }
}

/**
 * Disables an account: it cannot sign in, its sessions end, and every server closes its sockets
 * with 4003. Disabling a disabled account ends whatever sessions it still has (normally none).
 */
export async function disableAccount(db: Kysely<Database>, userId: number, now: number): Promise<{ alreadyDisabled: boolean, sessions: string[] }> {
  return writeTransaction(db, async (trx) => {
    const updated = await trx.updateTable('users').set({ disabled_at: now })
      .where('id', '=', userId).where('disabled_at', 'is', null).executeTakeFirst()
    const sessions = await endSessionsOf(trx, userId)
    await addNotice(trx, 'disabled', userId, sessions, now)
    return { alreadyDisabled: Number(updated.numUpdatedRows) === 0, sessions }
  })
}

/** Lets a disabled account sign in again. Returns whether it was disabled. */
export async function enableAccount(db: Kysely<Database>, userId: number): Promise<boolean> {
  const updated = await db.updateTable('users').set({ disabled_at: null })
    .where('id', '=', userId).where('disabled_at', 'is not', null).executeTakeFirst()
  return Number(updated.numUpdatedRows) > 0
}

/**
 * Sets a new password hash (made by auth/passwords.ts, as the server makes it) and ends every
 * session of the account; servers close their sockets with 4001. Returns the ended sessions.
 */
export async function resetPassword(db: Kysely<Database>, userId: number, passwordHash: string, now: number): Promise<string[]> {
  return writeTransaction(db, async (trx) => {
    await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute()
    const sessions = await endSessionsOf(trx, userId)
    await addNotice(trx, 'sessions', userId, sessions, now)
    return sessions
  })
}
