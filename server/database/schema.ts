import type { Generated } from 'kysely'

/** Table types for Kysely. Times are integers: milliseconds since the epoch. */
export interface Database {
  users: UsersTable
  sessions: SessionsTable
  ws_tickets: WsTicketsTable
}

export interface UsersTable {
  id: Generated<number>
  username: string
  /** Lower-cased username: uniqueness is case-insensitive. */
  username_key: string
  password_hash: string
  created_at: number
}

export interface SessionsTable {
  /** HMAC of the cookie token: a leaked table does not yield usable cookies. */
  id_hash: string
  user_id: number
  created_at: number
  expires_at: number
}

export interface WsTicketsTable {
  /** HMAC of the ticket; tickets are single-use and short-lived. */
  token_hash: string
  user_id: number
  /** The session that issued it: ending that session closes the ticket's sockets too. */
  session_hash: string
  expires_at: number
}
