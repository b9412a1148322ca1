import { useWriteDb } from '../chat/storage/sqlite/writerDialect'
import { useSettings } from '../infra/settings'
import type { Identity } from './identity'
import { identityOfSession } from './sessions'
import { hashToken, newToken } from './tokens'

/** Issues a short-lived, single-use ticket a non-browser client offers as a subprotocol. */
export async function issueTicket(identity: Identity): Promise<{ ticket: string, expiresAt: number }> {
  const db = await useWriteDb()
  const ticket = newToken()
  const now = Date.now()
  const expiresAt = now + useSettings().ticketTtlSeconds * 1000
  // Expired tickets are swept here, so the table stays as small as the number of live tickets.
  await db.deleteFrom('ws_tickets').where('expires_at', '<=', now).execute()
  await db.insertInto('ws_tickets')
    .values({ token_hash: hashToken(ticket), user_id: identity.user.id, session_hash: identity.sessionHash, expires_at: expiresAt })
    .execute()
  return { ticket, expiresAt }
}

/** Redeems a ticket: valid once, before it expires, while its session lasts. */
export async function identityFromTicket(ticket: string): Promise<Identity | null> {
  if (ticket.length > 128) return null
  const db = await useWriteDb()
  const row = await db.deleteFrom('ws_tickets')
    .where('token_hash', '=', hashToken(ticket))
    .returning(['session_hash', 'expires_at'])
    .executeTakeFirst()
  if (!row || Number(row.expires_at) <= Date.now()) return null
  return identityOfSession(row.session_hash)
}
