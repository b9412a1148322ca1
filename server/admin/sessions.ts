import type { Kysely } from 'kysely'
import type { Database } from '../infra/database/schema'
import { AdminError } from './errors'
import { addNotice } from './notices'
import { writeTransaction } from './transaction'

/**
 * Sessions as the operator's command line lists and revokes them. A session is named by the start
 * of its stored hash (an HMAC of the cookie: no cookie can be made from it); twelve characters are
 * shown, and any unambiguous start of them is accepted.
 */

/** How much of a session's hash is shown. */
export const SESSION_ID_LENGTH = 12

export interface SessionSummary {
  /** The start of the session's hash. */
  id: string
  createdAt: number
  expiresAt: number
  /** Past its end but not yet swept from the database: it lets nobody in. */
  expired: boolean
}

/** The account's sessions, newest first. */
export async function listSessions(db: Kysely<Database>, userId: number, now: number): Promise<SessionSummary[]> {
  const rows = await db.selectFrom('sessions').select(['id_hash', 'created_at', 'expires_at'])
    .where('user_id', '=', userId).orderBy('created_at', 'desc').execute()
  return rows.map(r => ({
    id: r.id_hash.slice(0, SESSION_ID_LENGTH),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    expired: Number(r.expires_at) <= now,
  }))
}

/**
 * Deletes the account's sessions (those in `only`, or all) and the tickets they issued, inside the
 * caller's transaction. Returns the hashes of the sessions that ended.
 */
export async function endSessionsOf(trx: Kysely<Database>, userId: number, only?: readonly string[]): Promise<string[]> {
  if (only?.length === 0) return []
  let sessions = trx.selectFrom('sessions').select('id_hash').where('user_id', '=', userId)
  if (only) sessions = sessions.where('id_hash', 'in', only)
  await trx.deleteFrom('ws_tickets').where('session_hash', 'in', sessions).execute()
  let ended = trx.deleteFrom('sessions').where('user_id', '=', userId)
  if (only) ended = ended.where('id_hash', 'in', only)
  return (await ended.returning('id_hash').execute()).map(r => r.id_hash)
}

/**
 * Ends the account's sessions — all, or the one whose hash starts with `prefix` — and tells the
 * servers (their sockets close with 4001). Throws `no_session` when the prefix names none and
 * `ambiguous_session` when it names several. Returns the hashes of the ended sessions.
 */
export async function revokeSessions(db: Kysely<Database>, userId: number, which: { all: true } | { prefix: string }, now: number): Promise<string[]> {
  return writeTransaction(db, async (trx) => {
    let only: string[] | undefined
    if ('prefix' in which) {
      const rows = await trx.selectFrom('sessions').select('id_hash').where('user_id', '=', userId).execute()
      only = rows.map(r => r.id_hash).filter(h => h.startsWith(which.prefix))
      if (only.length === 0) throw new AdminError('no_session', `No session of this account starts with "${which.prefix}".`)
      if (only.length > 1) throw new AdminError('ambiguous_session', `${only.length} sessions start with "${which.prefix}": give more of the id.`)
    }
    const ended = await endSessionsOf(trx, userId, only)
    if (ended.length > 0) await addNotice(trx, 'sessions', userId, ended, now)
    return ended
  })
}
