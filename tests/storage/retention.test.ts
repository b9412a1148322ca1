import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runtimeConfig } from '../support/nitroImports'
import { dropTestDatabase, testDatabaseEnv } from '../support/database'
import { makeTempDir, removeTempDir } from '../support/tempDir'
import type { Database } from '../../server/infra/database/schema'
import type { StoredResult } from '../../server/chat/storage/model'

/**
 * Message retention against a real database, through the same modules the server runs (on SQLite
 * the deletes go through the writer thread): SQLite, and PostgreSQL with
 * JIZHAN_TEST_DATABASE=postgres. Rows are aged by writing an old `created_at` into the table.
 */
const dataDir = makeTempDir('retention')
const databaseUrl = (await testDatabaseEnv()).NUXT_DATABASE_URL
Object.assign(runtimeConfig, { dataDir, ...(databaseUrl ? { databaseUrl } : {}) })

const { useDb } = await import('../../server/infra/db')
const { storeMessages } = await import('../../server/chat/storage/writes')
const { recordReceipt } = await import('../../server/chat/storage/receipts')
const { eventsAfter, historyPage, listConversations } = await import('../../server/chat/storage/reads')
const { groupHistory, linesAfter, membersOf } = await import('../../server/chat/storage/groupReads')
const { storeGroupChange, storeGroupMessage } = await import('../../server/chat/storage/groups')
const { deleteMessages, groupTrimmedTo, streamTrimmedTo } = await import('../../server/chat/storage/retention')
const { RETENTION_LOCK_KEY } = await import('../../server/chat/storage/retentionWrites')
const { runRetention } = await import('../../server/chat/retention')
const { closeSqliteWriter } = await import('../../server/chat/storage/sqlite/writer')

let db: Kysely<Database>
const DAY = 86_400_000
/** Everything stored before this goes; the aged rows are a day older. */
const cutoff = () => Date.now() - DAY
const FAST = { pauseMs: 0 }

beforeAll(async () => {
  db = await useDb()
  await db.insertInto('users').values(Array.from({ length: 30 }, (_, i) => ({ id: i + 1, username: `u${i + 1}`, username_key: `u${i + 1}`, password_hash: 'x', created_at: 0 }))).execute()
})
afterAll(async () => {
  await closeSqliteWriter()
  await db?.destroy()
  removeTempDir(dataDir)
  await dropTestDatabase(databaseUrl)
})

let cids = 0
/** Stores `n` messages from → to; their ids. */
async function send(from: number, to: number, n: number): Promise<number[]> {
  const results = await storeMessages(db, Array.from({ length: n }, () => ({ from, to, cid: `c${++cids}`, text: 'x' })))
  return results.map(r => Number((r as StoredResult).message.id))
}

/** Makes these messages two days old. */
async function age(ids: number[]): Promise<void> {
  await db.updateTable('messages').set({ created_at: Date.now() - 2 * DAY }).where('id', 'in', ids).execute()
}

async function positions(userId: number): Promise<number[]> {
  return (await eventsAfter(userId, 0, 1000)).map(e => e.pos)
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

/**
 * Starts from an empty message table. The scan goes by id and stops at the first batch with
 * nothing old (ids follow time); the messages earlier tests kept are new but have lower ids than
 * the ones a test ages, which a small batch would take for the present.
 */
async function noMessages(): Promise<void> {
  await db.deleteFrom('events').execute()
  await db.deleteFrom('messages').execute()
}

describe('message retention', () => {
  it('deletes old messages with their stream events, keeps newer ones, and every stream stays gapless after its cut', async () => {
    const [A, B, C] = [1, 2, 3]
    const oldAB = await send(A, B, 5)
    const oldAC = await send(C, A, 2)
    await recordReceipt({ userId: B, peer: A, kind: 'delivered', seq: 5 })
    await recordReceipt({ userId: B, peer: A, kind: 'read', seq: 3 })
    await age([...oldAB, ...oldAC])
    await send(B, A, 2)
    // A: messages 1–5 and 6–7, receipts 8–9, new 10–11. B: 1–5, receipts 6–7, new 8–9. C: 1–2.
    expect(await positions(A)).toEqual(range(1, 11))

    const run = await runRetention(cutoff(), FAST)
    expect(run).toMatchObject({ messages: 7, busy: false })

    // Each stream is cut at the newest event of a deleted message: older receipts go with it,
    // later ones stay; what is left has no gap and starts right after the cut.
    expect(await positions(A)).toEqual(range(8, 11))
    expect(await streamTrimmedTo(A)).toBe(7)
    expect(await positions(B)).toEqual(range(6, 9))
    expect(await streamTrimmedTo(B)).toBe(5)
    expect(await positions(C)).toEqual([])
    expect(await streamTrimmedTo(C)).toBe(2)
    expect(run.events).toBe(7 + 5 + 2)
    const replayed = await eventsAfter(A, 7, 10)
    expect(replayed.map(e => e.kind)).toEqual(['receipt', 'receipt', 'message', 'message'])
  })

  it('keeps conversations and their receipts; history and the conversation list answer from what is kept', async () => {
    const [A, B, C] = [1, 2, 3]
    expect((await historyPage(A, B, null, 50)).map(m => m.seq)).toEqual([6, 7])
    // The page before the oldest kept line is empty: no error, no hole.
    expect(await historyPage(A, B, 6, 50)).toEqual([])
    expect(await historyPage(A, C, null, 50)).toEqual([])
    const list = await listConversations(A)
    expect(list.find(c => c.peer === B)).toMatchObject({ lastSeq: 7, peerDelivered: 5, peerRead: 3, unread: 2, last: { seq: 7 } })
    expect(list.find(c => c.peer === C)).toMatchObject({ lastSeq: 2, unread: 0, last: null })
    // A new message continues the conversation's seq.
    await send(A, C, 1)
    expect((await historyPage(A, C, null, 50)).map(m => m.seq)).toEqual([3])
  })

  it('deletes a group\'s old lines (system lines too) and the membership events that name them, and keeps its members', async () => {
    const [A, B, C] = [4, 5, 6]
    const conv = 'gretention1'
    const limits = { membersMax: 100, groupsPerUserMax: 100 }
    await storeGroupChange({ op: 'create', conv, actor: A, name: 'old times', users: [B, C], limits })
    for (let i = 0; i < 3; i++) await storeGroupMessage({ from: A, conv, cid: `g${i}`, text: 'x' })
    const old = (await db.selectFrom('messages').select('id').where('conversation_id', '=', conv).execute()).map(r => Number(r.id))
    expect(old).toHaveLength(5) // created, added, three lines
    await age(old)
    await storeGroupMessage({ from: B, conv, cid: 'g-new', text: 'y' })
    const bBefore = await eventsAfter(B, 0, 100)
    expect(bBefore.map(e => e.kind)).toEqual(['joined'])

    expect(await runRetention(cutoff(), FAST)).toMatchObject({ messages: 5 })
    expect(await groupTrimmedTo(conv)).toBe(5)
    expect((await groupHistory(B, conv, null, 50)).map(l => l.seq)).toEqual([6])
    expect(await groupHistory(B, conv, 6, 50)).toEqual([])
    expect((await linesAfter(B, conv, 2, 50)).map(l => l.seq)).toEqual([6])
    expect(await eventsAfter(B, 0, 100)).toEqual([])
    expect(await streamTrimmedTo(B)).toBe(bBefore.at(-1)!.pos)
    expect((await membersOf(conv)).map(m => m.id)).toEqual([A, B, C])
  })

  it('deletes a conversation\'s messages in seq order only: one not old enough (a clock ahead) keeps the later ones, not other conversations\'', async () => {
    const [D, E, F, G] = [7, 8, 9, 10]
    const [m1, , m3] = await send(D, E, 3)
    const other = await send(F, G, 2)
    await age([m1!, m3!, ...other])
    expect(await runRetention(cutoff(), FAST)).toMatchObject({ messages: 3 })
    expect((await historyPage(D, E, null, 50)).map(m => m.seq)).toEqual([2, 3])
    expect(await historyPage(F, G, null, 50)).toEqual([])
    expect(await streamTrimmedTo(D)).toBe(1)
  })

  it('deletes in bounded batches: never more than a batch per transaction, until none is left', async () => {
    await noMessages()
    const [H, I] = [11, 12]
    const old = await send(H, I, 23)
    await age(old)
    const fresh = await send(H, I, 2)
    expect(await runRetention(cutoff(), { ...FAST, batch: 5 })).toMatchObject({ messages: 23, batches: 5 })
    expect((await historyPage(H, I, null, 50)).map(m => Number(m.id))).toEqual(fresh)
    // A batch deletes what it is given and nothing else.
    const more = await send(H, I, 4)
    expect(await deleteMessages(more.slice(0, 2))).toMatchObject({ messages: 2, busy: false })
    expect((await historyPage(H, I, null, 50)).map(m => Number(m.id))).toEqual([...fresh, ...more.slice(2)])
    // Nothing old left: a run reads one batch and deletes nothing.
    expect(await runRetention(cutoff(), FAST)).toEqual({ messages: 0, events: 0, batches: 0, busy: false })
  })

  it('is safe to run twice at once (two instances): everything old goes exactly once, nothing fails', async () => {
    await noMessages()
    const pairs = [[13, 14], [15, 16], [17, 18], [14, 15]] as const
    const old = (await Promise.all(pairs.map(([a, b]) => send(a, b, 15)))).flat()
    await age(old)
    const fresh = await send(13, 14, 1)
    const runs = await Promise.all([runRetention(cutoff(), { ...FAST, batch: 7 }), runRetention(cutoff(), { ...FAST, batch: 7 })])
    expect(runs[0].messages + runs[1].messages).toBe(old.length)
    const left = await db.selectFrom('messages').select('id').where('id', 'in', [...old, ...fresh]).execute()
    expect(left.map(r => Number(r.id))).toEqual(fresh)
    // Every stream is still gapless, from right after its cut.
    for (const user of [13, 14, 15, 16, 17, 18]) {
      const pos = await positions(user)
      const cut = await streamTrimmedTo(user)
      if (pos.length > 0) expect(pos).toEqual(range(cut + 1, pos.at(-1)!))
    }
    // The same batch twice at once: deleted once.
    const again = await send(13, 14, 3)
    const both = await Promise.all([deleteMessages(again), deleteMessages(again)])
    expect(both[0].messages + both[1].messages).toBe(3)
  })

  it.runIf(databaseUrl)('on PostgreSQL, leaves a batch to the instance that holds the retention lock', async () => {
    const ids = await send(19, 20, 2)
    const whileHeld = await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(${RETENTION_LOCK_KEY})`.execute(trx)
      return deleteMessages(ids)
    })
    expect(whileHeld).toEqual({ messages: 0, events: 0, busy: true })
    expect(await deleteMessages(ids)).toMatchObject({ messages: 2, events: 4, busy: false })
  })
})
