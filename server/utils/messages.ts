import { PostgresAdapter, sql } from 'kysely'
import type { Insertable, Kysely, Selectable, Transaction } from 'kysely'
import type { ChatMessage, ConversationSummary, MessageFrame, ReceiptFrame } from '#shared/protocol'
import type { Database, EventsTable, MessagesTable } from '../database/schema'
import { createGroupCommit } from './groupCommit'
import type { GroupCommit } from './groupCommit'

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

/** One message to store, as the relay received it. */
export interface StoreInput { from: number, to: number, cid: string, text: string }

/** Most messages written by one group-commit transaction. */
export const STORE_BATCH_MAX = 200

let writer: GroupCommit<StoreInput, StoreResult> | undefined

/**
 * Stores a message before anyone is told about it: next seq of its conversation, one event in each
 * participant's stream, committed before this resolves. Messages stored concurrently share one
 * transaction (group commit, see groupCommit.ts): one fsync for the batch instead of one each. A
 * cid the sender used before returns the stored message instead (a resend after a lost ack).
 */
export async function storeMessage(input: StoreInput): Promise<StoreResult> {
  writer ??= createGroupCommit({ commit: async inputs => storeMessages(await useDb(), inputs), maxBatch: STORE_BATCH_MAX })
  try {
    return await writer.submit(input)
  }
  catch {
    // A failed batch wrote nothing. One cause is a concurrent writer (another instance) storing the
    // same cid first: the unique violation means the message is there; answer with it.
    const db = await useDb()
    const existing = await db.selectFrom('messages').selectAll()
      .where('sender_id', '=', input.from).where('cid', '=', input.cid).executeTakeFirst()
    if (existing) return { message: toMessage(existing), positions: [], duplicate: true }
    // Otherwise another message of the batch may have been the cause: this one is written again on
    // its own, so one bad message does not fail its batch-mates. (If it fails alone, it was the cause.)
    return (await storeMessages(db, [input]))[0]!
  }
}

/**
 * Stores a batch of messages in one transaction, all or nothing; one result per input, in order.
 * Set-based, so a batch costs a handful of statements whatever its size: already stored cids,
 * conversations, seqs, messages, stream positions, events. Within the batch, messages take seqs
 * and stream positions in input order, and a cid repeated by the same sender is stored once (the
 * later ones are duplicates of the first).
 */
export async function storeMessages(db: Kysely<Database>, inputs: StoreInput[]): Promise<StoreResult[]> {
  if (inputs.length === 0) return []
  // PostgreSQL: rows are locked in one global order (conversations by id, then users by id, as in
  // recordReceipt), so concurrent batches of several instances cannot deadlock. SQLite has a
  // single writer and no row locks.
  const lockRows = db.getExecutor().adapter instanceof PostgresAdapter
  return db.transaction().execute(trx => insertMessages(trx, inputs, lockRows))
}

const cidKey = (from: number, cid: string) => `${from}\u0000${cid}`

/**
 * `CASE id WHEN … THEN n … END`: a per-row increment for one set-based UPDATE. Everything is a
 * parameter, so the SQL depends only on the number of rows (and its compiled statement is reused);
 * the cast types the increments on PostgreSQL, where a bare parameter in a CASE would be text.
 */
function incrementFor(counts: Map<string | number, number>) {
  return sql<number>`(CASE ${sql.ref('id')} ${sql.join([...counts].map(([id, n]) => sql`WHEN ${id} THEN CAST(${n} AS INTEGER)`), sql` `)} END)`
}

async function insertMessages(trx: Transaction<Database>, inputs: StoreInput[], lockRows: boolean): Promise<StoreResult[]> {
  const results: Array<StoreResult | undefined> = new Array(inputs.length)
  const stored = await trx.selectFrom('messages').selectAll()
    .where(eb => eb.or(inputs.map(i => eb.and([eb('sender_id', '=', i.from), eb('cid', '=', i.cid)]))))
    .execute()
  const storedByKey = new Map(stored.map(row => [cidKey(row.sender_id, row.cid), toMessage(row)]))
  const firstInBatch = new Map<string, number>()
  const fresh: number[] = []
  inputs.forEach((input, i) => {
    const key = cidKey(input.from, input.cid)
    const existing = storedByKey.get(key)
    if (existing) results[i] = { message: existing, positions: [], duplicate: true }
    else if (!firstInBatch.has(key)) {
      firstInBatch.set(key, i)
      fresh.push(i)
    }
  })

  if (fresh.length > 0) {
    // Conversations: created if new, then each one's seq advanced once by its number of messages.
    const convs = new Map<string, { lo: number, hi: number, n: number }>()
    for (const i of fresh) {
      const c = conversationOf(inputs[i]!.from, inputs[i]!.to)
      const entry = convs.get(c.id) ?? convs.set(c.id, { lo: c.lo, hi: c.hi, n: 0 }).get(c.id)!
      entry.n++
    }
    const convIds = [...convs.keys()].sort()
    await trx.insertInto('conversations').values(convIds.map(id => ({ id, user_lo: convs.get(id)!.lo, user_hi: convs.get(id)!.hi })))
      .onConflict(oc => oc.column('id').doNothing()).execute()
    if (lockRows) await trx.selectFrom('conversations').select('id').where('id', 'in', convIds).orderBy('id').forUpdate().execute()
    const seqRows = await trx.updateTable('conversations')
      .set(eb => ({ last_seq: eb('last_seq', '+', incrementFor(new Map(convIds.map(id => [id, convs.get(id)!.n])))) }))
      .where('id', 'in', convIds)
      .returning(['id', 'last_seq'])
      .execute()
    const nextSeq = new Map(seqRows.map(r => [r.id, Number(r.last_seq) - convs.get(r.id)!.n + 1]))

    const now = Date.now()
    const rows = fresh.map((i) => {
      const input = inputs[i]!
      const conversationId = conversationOf(input.from, input.to).id
      const seq = nextSeq.get(conversationId)!
      nextSeq.set(conversationId, seq + 1)
      return { conversation_id: conversationId, seq, sender_id: input.from, recipient_id: input.to, cid: input.cid, text: input.text, created_at: now }
    })
    const ids = await trx.insertInto('messages').values(rows).returning(['id', 'sender_id', 'cid']).execute()
    const idByKey = new Map(ids.map(r => [cidKey(r.sender_id, r.cid), r.id]))

    // Streams: one event per participant per message, each user's head advanced once.
    const perUser = new Map<number, number>()
    for (const row of rows) for (const u of [row.sender_id, row.recipient_id]) perUser.set(u, (perUser.get(u) ?? 0) + 1)
    const userIds = [...perUser.keys()].sort((a, b) => a - b)
    if (lockRows) await trx.selectFrom('users').select('id').where('id', 'in', userIds).orderBy('id').forUpdate().execute()
    const headRows = await trx.updateTable('users')
      .set(eb => ({ stream_head: eb('stream_head', '+', incrementFor(new Map(userIds.map(u => [u, perUser.get(u)!])))) }))
      .where('id', 'in', userIds)
      .returning(['id', 'stream_head'])
      .execute()
    const nextPos = new Map(headRows.map(r => [r.id, Number(r.stream_head) - perUser.get(r.id)! + 1]))

    const events: Array<Insertable<EventsTable>> = []
    rows.forEach((row, k) => {
      const id = idByKey.get(cidKey(row.sender_id, row.cid))!
      const positions: StreamPosition[] = []
      for (const userId of [row.sender_id, row.recipient_id].sort((a, b) => a - b)) {
        const pos = nextPos.get(userId)!
        nextPos.set(userId, pos + 1)
        events.push({ user_id: userId, pos, kind: 'message', conversation_id: row.conversation_id, message_id: id })
        positions.push({ userId, pos })
      }
      results[fresh[k]!] = { message: toMessage({ id, ...row }), positions, duplicate: false }
    })
    await trx.insertInto('events').values(events).execute()
  }

  // A cid repeated within the batch: the first occurrence was stored; the others are resends of it.
  inputs.forEach((input, i) => {
    results[i] ??= { message: results[firstInBatch.get(cidKey(input.from, input.cid))!]!.message, positions: [], duplicate: true }
  })
  return results as StoreResult[]
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
