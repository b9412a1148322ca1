import { sql } from 'kysely'
import type { Kysely, Selectable, Transaction } from 'kysely'
import type { ChatMessage, ConversationSummary, MessageFrame, ReceiptFrame } from '#shared/protocol'
import type { Database, MessagesTable } from '../database/schema'

/**
 * Message storage: the one interface the relay uses to store, order and replay messages. Plain
 * Kysely queries, so the same code runs on SQLite and PostgreSQL.
 */

type Db = Kysely<Database> | Transaction<Database>

/** The conversation of two users: the same id whoever writes first. */
export function conversationOf(a: number, b: number): { id: string, lo: number, hi: number } {
  const lo = Math.min(a, b)
  const hi = Math.max(a, b)
  return { id: `${lo}:${hi}`, lo, hi }
}

/** A position in some user's stream. */
export interface StreamPosition { userId: number, pos: number }

export interface StoreResult {
  message: ChatMessage & { cid: string }
  /** Where the message landed in each participant's stream (empty for a duplicate). */
  positions: StreamPosition[]
  /** The sender had sent this cid before: the stored message is returned, nothing new written. */
  duplicate: boolean
}

type MessageRow = Omit<Selectable<MessagesTable>, 'conversation_id'>

function toMessage(row: MessageRow): ChatMessage & { cid: string } {
  return { id: String(row.id), seq: Number(row.seq), from: row.sender_id, to: row.recipient_id, text: row.text, ts: Number(row.created_at), cid: row.cid }
}

/** The message as one participant's device receives it: the cid only goes back to the sender. */
export function messageFrame(message: ChatMessage & { cid: string }, forUser: number, pos: number): MessageFrame {
  const { cid, ...rest } = message
  return forUser === message.from ? { type: 'message', pos, ...rest, cid } : { type: 'message', pos, ...rest }
}

/** Appends one event per user to their streams; returns the positions. */
async function appendEvents(trx: Db, userIds: number[], kind: 'message' | 'receipt', conversationId: string, messageId: number | null): Promise<StreamPosition[]> {
  const positions: StreamPosition[] = []
  // Ascending ids: concurrent transactions lock users' rows in one order and cannot deadlock.
  for (const userId of [...userIds].sort((a, b) => a - b)) {
    const { stream_head: pos } = await trx.updateTable('users')
      .set(eb => ({ stream_head: eb('stream_head', '+', 1) }))
      .where('id', '=', userId)
      .returning('stream_head')
      .executeTakeFirstOrThrow()
    await trx.insertInto('events').values({ user_id: userId, pos, kind, conversation_id: conversationId, message_id: messageId }).execute()
    positions.push({ userId, pos: Number(pos) })
  }
  return positions
}

/**
 * Stores a message before anyone is told about it: next seq of its conversation, one event in each
 * participant's stream, all in one transaction. A cid the sender used before returns the stored
 * message instead (a resend after a lost ack).
 */
export async function storeMessage(input: { from: number, to: number, cid: string, text: string }): Promise<StoreResult> {
  const db = await useDb()
  const stored = () => db.selectFrom('messages').selectAll()
    .where('sender_id', '=', input.from).where('cid', '=', input.cid).executeTakeFirst()
  try {
    return await insertMessage(db, input)
  }
  catch (error) {
    // Two connections storing the same cid at once (possible with concurrent writers): the loser's
    // unique violation means the message is there; answer with it.
    const existing = await stored()
    if (existing) return { message: toMessage(existing), positions: [], duplicate: true }
    throw error
  }
}

async function insertMessage(db: Kysely<Database>, input: { from: number, to: number, cid: string, text: string }): Promise<StoreResult> {
  return db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('messages').selectAll()
      .where('sender_id', '=', input.from).where('cid', '=', input.cid).executeTakeFirst()
    if (existing) return { message: toMessage(existing), positions: [], duplicate: true }

    const conv = conversationOf(input.from, input.to)
    await trx.insertInto('conversations').values({ id: conv.id, user_lo: conv.lo, user_hi: conv.hi })
      .onConflict(oc => oc.column('id').doNothing()).execute()
    const { last_seq: seq } = await trx.updateTable('conversations')
      .set(eb => ({ last_seq: eb('last_seq', '+', 1) }))
      .where('id', '=', conv.id)
      .returning('last_seq')
      .executeTakeFirstOrThrow()
    const row = {
      conversation_id: conv.id, seq: Number(seq), sender_id: input.from, recipient_id: input.to,
      cid: input.cid, text: input.text, created_at: Date.now(),
    }
    const { id } = await trx.insertInto('messages').values(row).returning('id').executeTakeFirstOrThrow()
    const positions = await appendEvents(trx, [input.from, input.to], 'message', conv.id, id)
    return { message: toMessage({ id, ...row }), positions, duplicate: false }
  })
}

interface ConversationRow {
  id: string
  user_lo: number
  user_hi: number
  last_seq: number
  lo_delivered: number
  lo_read: number
  hi_delivered: number
  hi_read: number
}

/** Receipt state of a conversation from one side. */
function sides(conv: ConversationRow, userId: number) {
  const lo = conv.user_lo === userId
  return {
    peer: lo ? conv.user_hi : conv.user_lo,
    selfDelivered: Number(lo ? conv.lo_delivered : conv.hi_delivered),
    selfRead: Number(lo ? conv.lo_read : conv.hi_read),
    peerDelivered: Number(lo ? conv.hi_delivered : conv.lo_delivered),
    peerRead: Number(lo ? conv.hi_read : conv.lo_read),
  }
}

async function unreadCount(db: Db, conversationId: string, peer: number, selfRead: number): Promise<number> {
  const { n } = await db.selectFrom('messages')
    .select(eb => eb.fn.countAll<number>().as('n'))
    .where('conversation_id', '=', conversationId).where('sender_id', '=', peer).where('seq', '>', selfRead)
    .executeTakeFirstOrThrow()
  return Number(n)
}

async function receiptFrame(db: Db, conv: ConversationRow, userId: number, pos: number): Promise<ReceiptFrame> {
  const s = sides(conv, userId)
  return {
    type: 'receipt', pos, peer: s.peer, lastSeq: Number(conv.last_seq),
    peerDelivered: s.peerDelivered, peerRead: s.peerRead, selfRead: s.selfRead,
    unread: await unreadCount(db, conv.id, s.peer, s.selfRead),
  }
}

/**
 * Records that `userId` received (or read) the conversation with `peer` up to `seq`. Receipts only
 * move forward and never past the newest message; reading implies having received. Returns the
 * receipt frames to relay (one per participant), or none when nothing changed.
 */
export async function recordReceipt(userId: number, peer: number, kind: 'delivered' | 'read', seq: number): Promise<Array<{ userId: number, frame: ReceiptFrame }>> {
  const db = await useDb()
  const conv = conversationOf(userId, peer)
  const side = conv.lo === userId ? 'lo' : 'hi'
  const deliveredCol = `${side}_delivered` as const
  const readCol = `${side}_read` as const
  // One conditional UPDATE, so concurrent receipts can only move the counters forward (no
  // read-modify-write race), capped at the newest message. Reading implies having received.
  const target = sql<number>`(CASE WHEN ${seq} < last_seq THEN ${seq} ELSE last_seq END)`
  const forward = (col: string) => sql<number>`(CASE WHEN ${sql.ref(col)} < ${target} THEN ${target} ELSE ${sql.ref(col)} END)`
  const behind = (col: string) => sql<boolean>`${sql.ref(col)} < ${target}`
  return db.transaction().execute(async (trx) => {
    const after = await trx.updateTable('conversations')
      .set(kind === 'read'
        ? { [deliveredCol]: forward(deliveredCol), [readCol]: forward(readCol) }
        : { [deliveredCol]: forward(deliveredCol) })
      .where('id', '=', conv.id)
      .where(kind === 'read' ? sql<boolean>`(${behind(deliveredCol)} OR ${behind(readCol)})` : behind(deliveredCol))
      .returningAll()
      .executeTakeFirst()
    if (!after) return []
    const positions = await appendEvents(trx, [userId, peer], 'receipt', conv.id, null)
    return Promise.all(positions.map(async p => ({ userId: p.userId, frame: await receiptFrame(trx, after, p.userId, p.pos) })))
  })
}

/** The user's stream position now. */
export async function streamHead(userId: number): Promise<number> {
  const db = await useDb()
  const row = await db.selectFrom('users').select('stream_head').where('id', '=', userId).executeTakeFirst()
  return Number(row?.stream_head ?? 0)
}

/** Up to `limit` events of the user's stream after `cursor`, in order, as frames. */
export async function eventsAfter(userId: number, cursor: number, limit: number): Promise<Array<MessageFrame | ReceiptFrame>> {
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
  const frames: Array<MessageFrame | ReceiptFrame> = []
  for (const r of rows) {
    const pos = Number(r.pos)
    if (r.kind === 'message' && r.message_id !== null) {
      frames.push(messageFrame(toMessage({
        id: r.message_id, seq: r.seq!, sender_id: r.sender_id!, recipient_id: r.recipient_id!,
        cid: r.cid!, text: r.text!, created_at: r.created_at!,
      }), userId, pos))
    }
    else {
      // A receipt event carries the conversation's current receipt state: receipts only grow, so
      // the newest state is a correct (and idempotent) answer for every older event.
      frames.push(await receiptFrame(db, r, userId, pos))
    }
  }
  return frames
}

/** One page of a conversation, oldest first: the newest `limit` messages before `beforeSeq`. */
export async function historyPage(userId: number, peer: number, beforeSeq: number | null, limit: number): Promise<Array<ChatMessage>> {
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

/** Every conversation of the user with its receipt state, unread count and newest message. */
export async function listConversations(userId: number): Promise<ConversationSummary[]> {
  const db = await useDb()
  const convs = await db.selectFrom('conversations').selectAll()
    .where(eb => eb.or([eb('user_lo', '=', userId), eb('user_hi', '=', userId)]))
    .execute()
  return Promise.all(convs.map(async (conv) => {
    const s = sides(conv, userId)
    const lastRow = await db.selectFrom('messages').selectAll()
      .where('conversation_id', '=', conv.id).orderBy('seq', 'desc').limit(1).executeTakeFirst()
    const last = lastRow ? toMessage(lastRow) : null
    return {
      peer: s.peer, lastSeq: Number(conv.last_seq), peerDelivered: s.peerDelivered, peerRead: s.peerRead, selfRead: s.selfRead,
      unread: await unreadCount(db, conv.id, s.peer, s.selfRead),
      last: last && { id: last.id, seq: last.seq, from: last.from, to: last.to, text: last.text, ts: last.ts },
    }
  }))
}

/** Where a stored message sits in its participants' streams (to relay a resent message again). */
export async function messagePositions(messageId: string): Promise<StreamPosition[]> {
  const db = await useDb()
  const rows = await db.selectFrom('events').select(['user_id', 'pos'])
    .where('message_id', '=', Number(messageId)).where('kind', '=', 'message')
    .execute()
  return rows.map(r => ({ userId: r.user_id, pos: Number(r.pos) }))
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
