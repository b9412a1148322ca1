import { sql } from 'kysely'
import type { Kysely, Transaction } from 'kysely'
import type { ChatMessage, ConversationSummary, ReceiptState } from '#shared/protocol'
import type { Database } from '../../infra/database/schema'
import { useDb } from '../../infra/db'
import type { StreamPosition } from './events'
import { conversationOf, receiptState, toMessage } from './rows'
import type { StoredMessage } from './rows'

type Db = Kysely<Database> | Transaction<Database>

/** One event of a user's stream, as stored: a message, or the receipt state of a conversation now. */
export type StreamEvent
  = | { pos: number, kind: 'message', message: StoredMessage }
    | { pos: number, kind: 'receipt', state: ReceiptState }
    /** The user joined or left a group. */
    | { pos: number, kind: 'joined' | 'left', conv: string }

/**
 * Unread counts of these conversations for `userId` (the other side's messages after what the user
 * read), in one grouped query however many conversations there are.
 */
export async function unreadCounts(db: Db, userId: number, conversationIds: readonly string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>(conversationIds.map(id => [id, 0]))
  if (conversationIds.length === 0) return counts
  const rows = await db.selectFrom('messages')
    .innerJoin('conversations', 'conversations.id', 'messages.conversation_id')
    .select(['messages.conversation_id', eb => eb.fn.countAll<number>().as('n')])
    .where('messages.conversation_id', 'in', conversationIds)
    .where('messages.sender_id', '<>', userId)
    .where(sql<boolean>`messages.seq > (CASE WHEN conversations.user_lo = ${userId} THEN conversations.lo_read ELSE conversations.hi_read END)`)
    .groupBy('messages.conversation_id')
    .execute()
  for (const r of rows) counts.set(r.conversation_id, Number(r.n))
  return counts
}

/** The user's stream position now. */
export async function streamHead(userId: number): Promise<number> {
  const db = await useDb()
  const row = await db.selectFrom('users').select('stream_head').where('id', '=', userId).executeTakeFirst()
  return Number(row?.stream_head ?? 0)
}

/** The newest position of each user's stream, in one query per thousand users. */
export async function streamHeads(userIds: readonly number[]): Promise<Map<number, number>> {
  const db = await useDb()
  const heads = new Map<number, number>()
  for (let i = 0; i < userIds.length; i += 1000) {
    const rows = await db.selectFrom('users').select(['id', 'stream_head']).where('id', 'in', userIds.slice(i, i + 1000)).execute()
    for (const r of rows) heads.set(r.id, Number(r.stream_head))
  }
  return heads
}

/**
 * Up to `limit` events of the user's stream after `cursor`, in order. Two queries whatever the
 * batch holds: the events with their messages and conversations, then the unread counts of the
 * conversations that have receipt events. A receipt event carries the conversation's current
 * receipt state: receipts only grow, so the newest state is a correct (and idempotent) answer for
 * every older event.
 */
export async function eventsAfter(userId: number, cursor: number, limit: number): Promise<StreamEvent[]> {
  const db = await useDb()
  const rows = await db.selectFrom('events')
    .innerJoin('conversations', 'conversations.id', 'events.conversation_id')
    .leftJoin('messages', 'messages.id', 'events.message_id')
    .select([
      'events.pos', 'events.kind',
      'conversations.id', 'conversations.user_lo', 'conversations.user_hi', 'conversations.last_seq',
      'conversations.lo_delivered', 'conversations.lo_read', 'conversations.hi_delivered', 'conversations.hi_read',
      'messages.id as message_id', 'messages.seq', 'messages.sender_id', 'messages.recipient_id', 'messages.cid',
      'messages.text', 'messages.created_at',
    ])
    .where('events.user_id', '=', userId).where('events.pos', '>', cursor)
    .orderBy('events.pos').limit(limit)
    .execute()
  const receiptConversations = [...new Set(rows.filter(r => r.kind === 'receipt').map(r => r.id))]
  const unread = await unreadCounts(db, userId, receiptConversations)
  return rows.map((r): StreamEvent => {
    const pos = Number(r.pos)
    if (r.kind === 'joined' || r.kind === 'left') return { pos, kind: r.kind, conv: r.id }
    if (r.kind === 'message' && r.message_id !== null) {
      return { pos, kind: 'message', message: toMessage({
        id: r.message_id, seq: r.seq!, sender_id: r.sender_id!, recipient_id: r.recipient_id!,
        cid: r.cid!, text: r.text!, created_at: r.created_at!,
      }) }
    }
    return { pos, kind: 'receipt', state: receiptState(r, userId, unread.get(r.id) ?? 0) }
  })
}

/** One page of a conversation, oldest first: the newest `limit` messages before `beforeSeq`. */
export async function historyPage(userId: number, peer: number, beforeSeq: number | null, limit: number): Promise<ChatMessage[]> {
  const db = await useDb()
  let query = db.selectFrom('messages').selectAll()
    .where('conversation_id', '=', conversationOf(userId, peer).id)
  if (beforeSeq !== null) query = query.where('seq', '<', beforeSeq)
  const rows = await query.orderBy('seq', 'desc').limit(limit).execute()
  return rows.reverse().map((row) => {
    const { cid, ...message } = toMessage(row)
    return row.sender_id === userId ? { ...message, cid } : message
  })
}

/**
 * Every conversation of the user with its receipt state, unread count and newest message, in three
 * queries however many conversations the user has.
 */
export async function listConversations(userId: number): Promise<ConversationSummary[]> {
  const db = await useDb()
  // With both people's names (the peer's is shown): joined here, not one more query.
  const convs = await db.selectFrom('conversations')
    .innerJoin('users as lo', 'lo.id', 'conversations.user_lo')
    .innerJoin('users as hi', 'hi.id', 'conversations.user_hi')
    .selectAll('conversations').select(['lo.username as lo_name', 'hi.username as hi_name'])
    .where(eb => eb.or([eb('conversations.user_lo', '=', userId), eb('conversations.user_hi', '=', userId)]))
    .execute()
  if (convs.length === 0) return []
  const ids = convs.map(c => c.id)
  const unread = await unreadCounts(db, userId, ids)
  const lastRows = await db.selectFrom('messages').innerJoin('conversations', join => join
    .onRef('conversations.id', '=', 'messages.conversation_id')
    .onRef('conversations.last_seq', '=', 'messages.seq'))
    .selectAll('messages')
    .where('messages.conversation_id', 'in', ids)
    .execute()
  const lastByConversation = new Map(lastRows.map(row => [row.conversation_id, toMessage(row)]))
  return convs.map((conv) => {
    const last = lastByConversation.get(conv.id)
    const state = receiptState(conv, userId, unread.get(conv.id) ?? 0)
    return {
      ...state,
      peerName: conv.user_lo === userId ? conv.hi_name : conv.lo_name,
      last: last ? { id: last.id, seq: last.seq, from: last.from, to: last.to, text: last.text, ts: last.ts } : null,
    }
  })
}

/** Where a stored message sits in its participants' streams (to relay a resent message again). */
export async function messagePositions(messageId: string): Promise<StreamPosition[]> {
  const db = await useDb()
  const rows = await db.selectFrom('events').select(['user_id', 'pos'])
    .where('message_id', '=', Number(messageId)).where('kind', '=', 'message')
    .execute()
  return rows.map(r => ({ userId: r.user_id, pos: Number(r.pos) }))
}

/**
 * Everyone who shares a conversation with the user: the other side of each direct conversation
 * and the members of each of their groups. Who sees the user's presence.
 */
export async function peopleSharingWith(userId: number): Promise<Set<number>> {
  const db = await useDb()
  const [direct, groups] = await Promise.all([
    db.selectFrom('conversations').select(['user_lo', 'user_hi'])
      .where(eb => eb.or([eb('user_lo', '=', userId), eb('user_hi', '=', userId)])).execute(),
    db.selectFrom('members as mine').innerJoin('members as theirs', 'theirs.conversation_id', 'mine.conversation_id')
      .select('theirs.user_id').distinct()
      .where('mine.user_id', '=', userId).where('mine.left_seq', 'is', null).where('theirs.left_seq', 'is', null)
      .execute(),
  ])
  const people = new Set<number>()
  for (const c of direct) people.add((c.user_lo === userId ? c.user_hi : c.user_lo)!)
  for (const m of groups) people.add(m.user_id)
  people.delete(userId)
  return people
}
