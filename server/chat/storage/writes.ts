import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../../infra/database/schema'
import { hasRowLocks, useDb } from '../../infra/db'
import { log } from '../../infra/log'
import { useSettings } from '../../infra/settings'
import { commitObserver, readings } from '../../metrics/registry'
import { appendEvents, incrementFor } from './events'
import type { NewEvent } from './events'
import { createGroupCommit } from './groupCommit'
import type { GroupCommit } from './groupCommit'
import type { StoreInput, StoreResult } from './model'
import { conversationOf, toMessage } from './rows'
import { useSqliteWriter } from './sqlite/writer'

/** Most messages written by one group-commit transaction. */
export const STORE_BATCH_MAX = 200

/**
 * A failure caused by the data (a constraint: e.g. another instance stored the same cid first), so
 * splitting the batch isolates it; anything else (the database is down, the disk full) would fail
 * every retry too.
 */
export function isDataError(error: unknown): boolean {
  const code = String((error as { code?: unknown })?.code ?? '')
  return code.startsWith('SQLITE_CONSTRAINT') || /^23\d{3}$/.test(code)
}

let writer: GroupCommit<StoreInput, StoreResult> | undefined

function useWriter(): GroupCommit<StoreInput, StoreResult> {
  if (writer) return writer
  const created = createGroupCommit<StoreInput, StoreResult>({
    commit: commitBatch,
    maxBatch: STORE_BATCH_MAX,
    maxPending: useSettings().storeQueueMax,
    // The SQLite writer thread writes in arrival order (and joins what queued up while it was
    // committing): batches go out as they form. PostgreSQL batches on a pool could commit out of
    // order, so there one at a time.
    maxInFlight: useSettings().databaseUrl ? 1 : 32,
    // SQLite: the sends of this task (one read of a socket) form a batch; the writer thread joins
    // whatever else queued up, so there is no need to wait a turn of the event loop for more.
    ...(useSettings().databaseUrl ? {} : { schedule: (fn: () => void) => queueMicrotask(fn) }),
    splitOnError: isDataError,
    onBatchError: (err, size) => log.error('message batch failed', { size, err }),
    onCommitted: commitObserver(useSettings().databaseUrl ? 'postgresql' : 'sqlite', 'direct'),
  })
  readings.storeQueue.direct = () => created.pending
  return writer = created
}

/**
 * Runs another write (a receipt) counted with the messages against NUXT_STORE_QUEUE_MAX: a stalled
 * database makes it wait like them, so it is refused with `BusyError` like them, not queued without
 * bound.
 */
export function inStoreQueue<T>(work: () => Promise<T>): Promise<T> {
  return useWriter().alongside(work)
}

/**
 * Writes one batch: on SQLite in the writer thread (plain prepared statements, off the event
 * loop), on PostgreSQL through the pool with row locks.
 */
async function commitBatch(inputs: StoreInput[]): Promise<StoreResult[]> {
  const db = await useDb()
  return hasRowLocks(db) ? storeMessages(db, inputs) : useSqliteWriter().storeMessages(inputs)
}

/**
 * Stores a message before anyone is told about it: next seq of its conversation, one event in each
 * participant's stream, committed before this resolves. Messages stored concurrently share one
 * transaction (group commit): one fsync for the batch instead of one each. A cid the sender used
 * before returns the stored message instead (a resend after a lost ack). Throws `BusyError` at
 * once when too many messages are already waiting to be written.
 */
export async function storeMessage(input: StoreInput): Promise<StoreResult> {
  try {
    return await useWriter().submit(input)
  }
  catch (error) {
    if (!isDataError(error)) throw error
    // A concurrent writer (another instance) stored the same cid first: the message is there.
    const db = await useDb()
    const existing = await db.selectFrom('messages').selectAll()
      .where('sender_id', '=', input.from).where('cid', '=', input.cid).executeTakeFirst()
    if (existing) return { message: toMessage(existing), positions: [], duplicate: true }
    throw error
  }
}

/**
 * Stores a batch of messages in one transaction through Kysely (the PostgreSQL path; SQLite's is
 * sqlite/writes.ts), all or nothing; one result per input, in order.
 * Set-based, so a batch costs a handful of statements whatever its size: already stored cids,
 * conversations, seqs, messages, stream positions, events. Within the batch, messages take seqs
 * and stream positions in input order, and a cid repeated by the same sender is stored once (the
 * later ones are duplicates of the first. On PostgreSQL rows are locked in one global order —
 * conversations by id, then users by id, as receipts do — so batches of several instances cannot
 * deadlock; SQLite has a single writer and no row locks.
 */
export async function storeMessages(db: Kysely<Database>, inputs: StoreInput[]): Promise<StoreResult[]> {
  if (inputs.length === 0) return []
  const lockRows = hasRowLocks(db)
  return db.transaction().execute(trx => insertMessages(trx, inputs, lockRows))
}

const cidKey = (from: number, cid: string) => `${from}\u0000${cid}`

async function insertMessages(trx: Transaction<Database>, inputs: StoreInput[], lockRows: boolean): Promise<StoreResult[]> {
  const results: Array<StoreResult | undefined> = new Array(inputs.length)
  const recipients = [...new Set(inputs.map(i => i.to))]
  const known = new Set((await trx.selectFrom('users').select('id').where('id', 'in', recipients).execute()).map(r => r.id))
  inputs.forEach((input, i) => {
    if (!known.has(input.to)) results[i] = { unknownRecipient: true }
  })
  const stored = await trx.selectFrom('messages').selectAll()
    .where(eb => eb.or(inputs.map(i => eb.and([eb('sender_id', '=', i.from), eb('cid', '=', i.cid)]))))
    .execute()
  const storedByKey = new Map(stored.map(row => [cidKey(row.sender_id, row.cid), toMessage(row)]))
  const firstInBatch = new Map<string, number>()
  const fresh: number[] = []
  inputs.forEach((input, i) => {
    if (results[i]) return
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
    if (lockRows) await trx.selectFrom('conversations').select('id').where('id', 'in', convIds).orderBy('id').forNoKeyUpdate().execute()
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

    // Streams: one event per participant per message, in message order.
    const events: NewEvent[] = rows.flatMap(row => [row.sender_id, row.recipient_id].sort((a, b) => a - b).map(userId => ({
      userId, kind: 'message' as const, conversationId: row.conversation_id, messageId: idByKey.get(cidKey(row.sender_id, row.cid))!,
    })))
    const positions = await appendEvents(trx, events, lockRows)
    rows.forEach((row, k) => {
      const id = idByKey.get(cidKey(row.sender_id, row.cid))!
      results[fresh[k]!] = {
        message: toMessage({ id, ...row }),
        positions: [0, 1].map(j => ({ userId: events[2 * k + j]!.userId, pos: positions[2 * k + j]! })),
        duplicate: false,
      }
    })
  }

  // A cid repeated within the batch: the first occurrence was stored; the others are resends of it.
  inputs.forEach((input, i) => {
    results[i] ??= { message: (results[firstInBatch.get(cidKey(input.from, input.cid))!] as Extract<StoreResult, { message: unknown }>).message, positions: [], duplicate: true }
  })
  return results as StoreResult[]
}
