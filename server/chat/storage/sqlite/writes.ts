import type BetterSqlite3 from 'better-sqlite3'
import { Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely'
import type { CompiledQuery, Driver } from 'kysely'
import type { Database } from '../../../infra/database/schema'
import { applyGroupChange, recordGroupReceipt, runSync, storeGroupMessages } from '../groupWrites'
import type { GroupChange, GroupReceiptInput, GroupSendInput } from '../groupModel'
import type { ReceiptEvent, ReceiptInput, StoreInput, StoreResult } from '../model'
import { deleteMessageBatch } from '../retentionWrites'
import { conversationOf, receiptState, toMessage } from '../rows'
import type { ConversationRow, MessageRow, StoredMessage } from '../rows'

/**
 * The hot writes on SQLite, as plain prepared statements on one better-sqlite3 connection: storing
 * a batch of messages (one transaction, one fsync) and recording a receipt. Runs in the writer
 * thread (writerThread.ts), which owns the only writing connection, so the event loop never waits
 * for a commit; tests run it directly. Same results, in the same order, as the PostgreSQL path
 * (../writes.ts, ../receipts.ts), and the same storage tests cover both.
 */

export function createSqliteWrites(db: BetterSqlite3.Database) {
  const userExists = db.prepare<[number], { id: number }>('SELECT id FROM users WHERE id = ?')
  const byCid = db.prepare<[number, string], MessageRow>('SELECT id, seq, sender_id, recipient_id, cid, text, created_at FROM messages WHERE sender_id = ? AND cid = ?')
  const newConversation = db.prepare('INSERT INTO conversations (id, user_lo, user_hi) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING')
  const advanceSeq = db.prepare<[number, string], { last_seq: number }>('UPDATE conversations SET last_seq = last_seq + ? WHERE id = ? RETURNING last_seq')
  const insertMessage = db.prepare('INSERT INTO messages (conversation_id, seq, sender_id, recipient_id, cid, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
  const advanceHead = db.prepare<[number, number], { stream_head: number }>('UPDATE users SET stream_head = stream_head + ? WHERE id = ? RETURNING stream_head')
  const insertEvent = db.prepare('INSERT INTO events (user_id, pos, kind, conversation_id, message_id) VALUES (?, ?, ?, ?, ?)')
  const unread = db.prepare<[string, number, number], { n: number }>('SELECT count(*) AS n FROM messages WHERE conversation_id = ? AND sender_id <> ? AND seq > ?')
  // The receipt counters of one side move forward only, capped at the newest message; reading
  // implies having received. One conditional UPDATE per side and kind, so there is no
  // read-modify-write race; no row comes back when nothing moved.
  const receiptUpdates = new Map(['lo', 'hi'].flatMap(side => ['delivered', 'read'].map((kind) => {
    const target = '(CASE WHEN @seq < last_seq THEN @seq ELSE last_seq END)'
    const forward = (col: string) => `${col} = (CASE WHEN ${col} < ${target} THEN ${target} ELSE ${col} END)`
    const d = `${side}_delivered`
    const r = `${side}_read`
    const sql = kind === 'read'
      ? `UPDATE conversations SET ${forward(d)}, ${forward(r)} WHERE id = @id AND (${d} < ${target} OR ${r} < ${target}) RETURNING *`
      : `UPDATE conversations SET ${forward(d)} WHERE id = @id AND ${d} < ${target} RETURNING *`
    return [`${side}:${kind}`, db.prepare<[{ id: string, seq: number }], ConversationRow>(sql)] as const
  })))

  /** Appends events to users' streams in the order given; returns each event's position. */
  function appendEvents(events: ReadonlyArray<{ userId: number, kind: 'message' | 'receipt', conversationId: string, messageId: number | null }>): number[] {
    const counts = new Map<number, number>()
    for (const e of events) counts.set(e.userId, (counts.get(e.userId) ?? 0) + 1)
    const next = new Map<number, number>()
    for (const [userId, n] of counts) {
      const row = advanceHead.get(n, userId)
      if (!row) throw new Error(`appendEvents: no user ${userId}`)
      next.set(userId, row.stream_head - n + 1)
    }
    return events.map((e) => {
      const pos = next.get(e.userId)!
      next.set(e.userId, pos + 1)
      insertEvent.run(e.userId, pos, e.kind, e.conversationId, e.messageId)
      return pos
    })
  }

  const cidKey = (from: number, cid: string) => `${from}\u0000${cid}`

  /**
   * Stores a batch in one transaction, all or nothing; one result per input, in order. Messages
   * take seqs and stream positions in input order; a cid stored before (or earlier in the batch)
   * answers with the stored message.
   */
  const storeMessages = db.transaction((inputs: readonly StoreInput[]): StoreResult[] => {
    const results: StoreResult[] = []
    /** By sender and cid: the message stored before, or stored by this batch. */
    const inBatch = new Map<string, StoredMessage>()
    const seen = new Set<string>()
    const recipients = new Map<number, boolean>()
    const exists = (id: number) => recipients.get(id) ?? recipients.set(id, userExists.get(id) !== undefined).get(id)!
    // Seqs first, one UPDATE per conversation: the fresh messages' conversations and counts.
    const fresh: Array<{ input: StoreInput, conversationId: string } | null> = inputs.map((input) => {
      if (!exists(input.to)) return null
      const key = cidKey(input.from, input.cid)
      if (seen.has(key)) return null
      seen.add(key)
      const stored = byCid.get(input.from, input.cid)
      if (stored) {
        inBatch.set(key, toMessage(stored))
        return null
      }
      return { input, conversationId: conversationOf(input.from, input.to).id }
    })
    const perConversation = new Map<string, number>()
    for (const f of fresh) if (f) perConversation.set(f.conversationId, (perConversation.get(f.conversationId) ?? 0) + 1)
    const nextSeq = new Map<string, number>()
    for (const [id, n] of perConversation) {
      const [lo, hi] = id.split(':').map(Number)
      newConversation.run(id, lo, hi)
      nextSeq.set(id, advanceSeq.get(n, id)!.last_seq - n + 1)
    }
    const now = Date.now()
    const events: Array<{ userId: number, kind: 'message', conversationId: string, messageId: number }> = []
    const stored: StoredMessage[] = []
    for (const f of fresh) {
      if (!f) continue
      const { input, conversationId } = f
      const seq = nextSeq.get(conversationId)!
      nextSeq.set(conversationId, seq + 1)
      const id = Number(insertMessage.run(conversationId, seq, input.from, input.to, input.cid, input.text, now).lastInsertRowid)
      const message = toMessage({ id, seq, sender_id: input.from, recipient_id: input.to, cid: input.cid, text: input.text, created_at: now })
      inBatch.set(cidKey(input.from, input.cid), message)
      stored.push(message)
      for (const userId of [input.from, input.to].sort((a, b) => a - b)) events.push({ userId, kind: 'message', conversationId, messageId: id })
    }
    const positions = appendEvents(events)
    const positionsOf = new Map(stored.map((m, k) => [m.id, [0, 1].map(j => ({ userId: events[2 * k + j]!.userId, pos: positions[2 * k + j]! }))]))
    for (const [i, input] of inputs.entries()) {
      const f = fresh[i]
      const message = inBatch.get(cidKey(input.from, input.cid))
      if (!message) results.push({ unknownRecipient: true })
      else results.push(f ? { message, positions: positionsOf.get(message.id)!, duplicate: false } : { message, positions: [], duplicate: true })
    }
    return results
  })

  /**
   * Records that `userId` received (or read) the conversation with `peer` up to `seq`; returns the
   * receipt event of each participant, or none when nothing changed.
   */
  const recordReceipt = db.transaction(({ userId, peer, kind, seq }: ReceiptInput): ReceiptEvent[] => {
    const conv = conversationOf(userId, peer)
    const after = receiptUpdates.get(`${conv.lo === userId ? 'lo' : 'hi'}:${kind}`)!.get({ id: conv.id, seq })
    if (!after) return []
    const participants = [conv.lo, conv.hi]
    const positions = appendEvents(participants.map(u => ({ userId: u, kind: 'receipt' as const, conversationId: conv.id, messageId: null })))
    return participants.map((u, i) => {
      const selfRead = u === after.user_lo ? after.lo_read : after.hi_read
      return { userId: u, pos: positions[i]!, state: receiptState(after, u, unread.get(conv.id, u, selfRead)!.n) }
    })
  })

  // The group writes (groupWrites.ts) are written once for both databases: here they run on this
  // connection, synchronously, their compiled statements kept for reuse.
  const statements = new Map<string, BetterSqlite3.Statement>()
  const all = (query: CompiledQuery): unknown[] => {
    let statement = statements.get(query.sql)
    if (!statement) statements.set(query.sql, statement = db.prepare(query.sql))
    if (statement.reader) return statement.all(...query.parameters as unknown[])
    statement.run(...query.parameters as unknown[])
    return []
  }
  const ctx = () => ({ qb: compiler, lockRows: false, now: Date.now() })
  const groupMessages = db.transaction((inputs: readonly GroupSendInput[]) => runSync(storeGroupMessages(ctx(), inputs), all))
  const groupReceipt = db.transaction((input: GroupReceiptInput) => runSync(recordGroupReceipt(ctx(), input), all))
  const groupChange = db.transaction((change: GroupChange) => runSync(applyGroupChange(ctx(), change), all))
  const retention = db.transaction((ids: readonly number[]) => runSync(deleteMessageBatch(ctx(), ids), all))

  return {
    storeMessages: (inputs: readonly StoreInput[]) => storeMessages.immediate(inputs),
    recordReceipt: (input: ReceiptInput) => recordReceipt.immediate(input),
    storeGroupMessages: (inputs: readonly GroupSendInput[]) => groupMessages.immediate(inputs),
    recordGroupReceipt: (input: GroupReceiptInput) => groupReceipt.immediate(input),
    applyGroupChange: (change: GroupChange) => groupChange.immediate(change),
    deleteMessages: (ids: readonly number[]) => retention.immediate(ids),
  }
}

export type SqliteWrites = ReturnType<typeof createSqliteWrites>

const compileOnly = () => Promise.reject(new Error('this Kysely instance only compiles queries'))
const noDriver = (): Driver => ({
  init: async () => {},
  acquireConnection: compileOnly,
  beginTransaction: compileOnly,
  commitTransaction: compileOnly,
  rollbackTransaction: compileOnly,
  releaseConnection: async () => {},
  destroy: async () => {},
})

/** Builds and compiles SQLite queries; never runs one (the statements above do). */
const compiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: noDriver,
    createIntrospector: db => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
})
