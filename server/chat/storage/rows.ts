import type { Selectable } from 'kysely'
import type { ChatMessage, ReceiptState } from '#shared/protocol'
import type { ConversationsTable, MessagesTable } from '../../infra/database/schema'

/** A stored message as the chat layer sees it: always with the sender's cid. */
export type StoredMessage = ChatMessage & { cid: string }

export type MessageRow = Omit<Selectable<MessagesTable>, 'conversation_id' | 'kind'>
export type ConversationRow = Selectable<ConversationsTable>

/** The conversation of two users: the same id whoever writes first. */
export function conversationOf(a: number, b: number): { id: string, lo: number, hi: number } {
  const lo = Math.min(a, b)
  const hi = Math.max(a, b)
  return { id: `${lo}:${hi}`, lo, hi }
}

export function toMessage(row: MessageRow): StoredMessage {
  return { id: String(row.id), seq: Number(row.seq), from: row.sender_id, to: row.recipient_id!, text: row.text, ts: Number(row.created_at), cid: row.cid }
}

/** The receipt counters of a conversation from one side (which side `userId` is on). */
export function sides(conv: Pick<ConversationRow, 'user_lo' | 'user_hi' | 'lo_delivered' | 'lo_read' | 'hi_delivered' | 'hi_read'>, userId: number) {
  const lo = conv.user_lo === userId
  return {
    peer: (lo ? conv.user_hi : conv.user_lo)!,
    selfDelivered: Number(lo ? conv.lo_delivered : conv.hi_delivered),
    selfRead: Number(lo ? conv.lo_read : conv.hi_read),
    peerDelivered: Number(lo ? conv.hi_delivered : conv.lo_delivered),
    peerRead: Number(lo ? conv.hi_read : conv.lo_read),
  }
}

/** The receipt state of a conversation as `userId` sees it, given their unread count. */
export function receiptState(conv: Pick<ConversationRow, 'user_lo' | 'user_hi' | 'last_seq' | 'lo_delivered' | 'lo_read' | 'hi_delivered' | 'hi_read'>, userId: number, unread: number): ReceiptState {
  const s = sides(conv, userId)
  return { peer: s.peer, lastSeq: Number(conv.last_seq), peerDelivered: s.peerDelivered, peerRead: s.peerRead, selfRead: s.selfRead, unread }
}
