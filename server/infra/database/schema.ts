import type { Generated } from 'kysely'

/** Table types for Kysely. Times are integers: milliseconds since the epoch. */
export interface Database {
  users: UsersTable
  sessions: SessionsTable
  ws_tickets: WsTicketsTable
  conversations: ConversationsTable
  messages: MessagesTable
  events: EventsTable
  members: MembersTable
  admin_notices: AdminNoticesTable
}

export interface UsersTable {
  id: Generated<number>
  username: string
  /** usernameKey(username) (shared/usernames.ts), or an older key kept by migration 0005: uniqueness ignores width, case and composition. */
  username_key: string
  password_hash: string
  created_at: number
  /** Position of the last event in this user's stream. */
  stream_head: Generated<number>
  /** When the operator disabled the account (ms), or null: a disabled account cannot sign in. */
  disabled_at: Generated<number | null>
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
  /** Direct: `${lo}:${hi}`, the two user ids in ascending order. Group: `g…`. */
  id: string
  kind: Generated<'direct' | 'group'>
  /** A group's name (null for direct conversations). */
  name: string | null
  member_count: Generated<number>
  created_at: Generated<number>
  /** The two people of a direct conversation (null for a group: see `members`). */
  user_lo: number | null
  user_hi: number | null
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
  /** Null in a group. */
  recipient_id: number | null
  /** A system line's text is its SystemEvent as JSON. */
  kind: Generated<'text' | 'system'>
  /** The sender's client-generated id; unique per sender. */
  cid: string
  text: string
  created_at: number
}

export interface EventsTable {
  user_id: number
  /** Position in the user's stream, from 1, without gaps. */
  pos: number
  /** joined/left: the user joined or left a group (message_id: the system line that says so). */
  kind: 'message' | 'receipt' | 'joined' | 'left'
  conversation_id: string
  message_id: number | null
}

export interface MembersTable {
  conversation_id: string
  user_id: number
  role: 'owner' | 'admin' | 'member'
  /** The seq of the line that added them: they see what comes after it. */
  joined_seq: number
  /** The seq of the line that says they left or were removed; null while a member. */
  left_seq: number | null
  joined_at: number
  delivered: Generated<number>
  read: Generated<number>
}

/** What the operator's command line did, for every running server to act on (migration 0006). */
export interface AdminNoticesTable {
  id: Generated<number>
  /** `disabled`: the account was disabled; `sessions`: sessions were revoked (or a password reset). */
  kind: 'disabled' | 'sessions'
  user_id: number
  /** The ended sessions' hashes, as a JSON array: their sockets are closed. */
  sessions: string
  created_at: number
}
