import type { Generated } from 'kysely'

/** Table types for Kysely. Times are integers: milliseconds since the epoch. */
export interface Database {
  users: UsersTable
  sessions: SessionsTable
  ws_tickets: WsTicketsTable
  conversations: ConversationsTable
  messages: MessagesTable
  events: EventsTable
}

export interface UsersTable {
  id: Generated<number>
  username: string
  /** Lower-cased username: uniqueness is case-insensitive. */
  username_key: string
  password_hash: string
  created_at: number
  /** Position of the last event in this user's stream. */
  stream_head: Generated<number>
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

export interface ConversationsTable {
  /** `${lo}:${hi}`, the two user ids in ascending order. */
  id: string
  user_lo: number
  user_hi: number
  /** Sequence number of the newest message. */
  last_seq: Generated<number>
  /** Highest seq of the other side's messages that reached a device of lo (resp. hi) / that lo read. */
  lo_delivered: Generated<number>
  lo_read: Generated<number>
  hi_delivered: Generated<number>
  hi_read: Generated<number>
}

export interface MessagesTable {
  id: Generated<number>
  conversation_id: string
  /** Position within the conversation, from 1, without gaps. */
  seq: number
  sender_id: number
  recipient_id: number
  /** The sender's client-generated id; unique per sender. */
  cid: string
  text: string
  created_at: number
}

export interface EventsTable {
  user_id: number
  /** Position in the user's stream, from 1, without gaps. */
  pos: number
  kind: 'message' | 'receipt'
  conversation_id: string
  message_id: number | null
}
