import SQLite from 'better-sqlite3'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../server/infra/database/schema'
import { migrate, openPostgres, openSqlite, sqliteFile } from '../../server/infra/db'
import { createSqliteWrites } from '../../server/chat/storage/sqlite/writes'
import { storeMessages } from '../../server/chat/storage/writes'
import type { StoreInput, StoreResult, StoredResult } from '../../server/chat/storage/model'
import { dropTestDatabase, testDatabaseEnv } from '../support/database'
import { makeTempDir, removeTempDir } from '../support/tempDir'

let databaseUrl: string | undefined
let dataDir: string | undefined
/**
 * The group-commit write on a real database, as the server runs it: on the embedded SQLite the
 * writer thread's plain statements (sqlite/writes.ts, here on a connection of the test's own), on
 * PostgreSQL (under `npm run test:cluster`, JIZHAN_TEST_DATABASE=postgres) the Kysely batch.
 */
let db: Kysely<Database>
let write: (inputs: StoreInput[]) => Promise<StoreResult[]>
/** The batch's results, every one naming a message (the cases below have no unknown recipient). */
const store = async (inputs: StoreInput[]) => (await write(inputs)) as StoredResult[]
let raw: SQLite.Database | undefined
const [A, B, C] = [1, 2, 3]
beforeAll(async () => {
  databaseUrl = (await testDatabaseEnv()).NUXT_DATABASE_URL
  if (databaseUrl) {
    db = openPostgres(databaseUrl)
    write = inputs => storeMessages(db, inputs)
  }
  else {
    dataDir = makeTempDir('store')
    db = openSqlite(dataDir)
  }
  await migrate(db)
  if (dataDir) {
    raw = new SQLite(sqliteFile(dataDir))
    raw.pragma('foreign_keys = ON')
    const writes = createSqliteWrites(raw)
    write = async inputs => writes.storeMessages(inputs)
  }
  await db.insertInto('users').values([A, B, C].map(id => ({ id, username: `u${id}`, username_key: `u${id}`, password_hash: 'x', created_at: 0 }))).execute()
})
afterAll(async () => {
  raw?.close()
  await db?.destroy()
  if (dataDir) removeTempDir(dataDir)
  await dropTestDatabase(databaseUrl)
})

const msg = (from: number, to: number, cid: string, text = cid): StoreInput => ({ from, to, cid, text })

async function events(userId: number) {
  return db.selectFrom('events').select(['pos', 'message_id']).where('user_id', '=', userId).orderBy('pos').execute()
}

describe('storing a batch of messages in one transaction', () => {
  it('numbers each conversation and each stream gaplessly, in batch order', async () => {
    const results = await store([msg(A, B, 'a1'), msg(B, A, 'b1'), msg(A, C, 'a2'), msg(A, B, 'a3')])
    expect(results.map(r => [r.message.seq, r.duplicate])).toEqual([[1, false], [2, false], [1, false], [3, false]])
    expect(results.map(r => r.positions)).toEqual([
      [{ userId: A, pos: 1 }, { userId: B, pos: 1 }],
      [{ userId: A, pos: 2 }, { userId: B, pos: 2 }],
      [{ userId: A, pos: 3 }, { userId: C, pos: 1 }],
      [{ userId: A, pos: 4 }, { userId: B, pos: 3 }],
    ])
    expect((await events(A)).map(e => [Number(e.pos), String(e.message_id)])).toEqual(results.map((r, i) => [i + 1, r.message.id]))
    // The next batch continues where this one ended.
    const [next] = await store([msg(B, A, 'b2')])
    expect(next!.message.seq).toBe(4)
    expect(next!.positions).toEqual([{ userId: A, pos: 5 }, { userId: B, pos: 4 }])
  })

  it('stores a cid sent twice in one batch once, and answers the second with the first', async () => {
    const [first, again, other] = await store([msg(C, B, 'c1', 'hello'), msg(C, B, 'c1', 'hello'), msg(C, B, 'c2')])
    expect(first!.duplicate).toBe(false)
    expect(again).toEqual({ message: first!.message, positions: [], duplicate: true })
    expect(other!.message.seq).toBe(first!.message.seq + 1)
    const rows = await db.selectFrom('messages').select('id').where('sender_id', '=', C).where('cid', '=', 'c1').execute()
    expect(rows).toHaveLength(1)
  })

  it('answers a cid stored by an earlier batch with the stored message, writing nothing', async () => {
    const headBefore = await db.selectFrom('users').select('stream_head').where('id', '=', C).executeTakeFirstOrThrow()
    const [resent] = await store([msg(C, B, 'c1', 'a different text')])
    expect(resent!.duplicate).toBe(true)
    expect(resent!.message.text).toBe('hello')
    expect(await db.selectFrom('users').select('stream_head').where('id', '=', C).executeTakeFirstOrThrow()).toEqual(headBefore)
  })

  it('lets concurrent batches over the same conversations commit without gaps or deadlocks', async () => {
    const pairs = [[A, B], [B, C], [C, A], [B, A], [C, B], [A, C]] as const
    const batches = Array.from({ length: 12 }, (_, b) => Array.from({ length: 6 }, (_, k) => {
      const [from, to] = pairs[(b + k) % pairs.length]!
      return msg(from, to, `conc-${b}-${k}`)
    }))
    const results = (await Promise.all(batches.map(batch => store(batch)))).flat()
    expect(results.every(r => !r.duplicate)).toBe(true)
    for (const [lo, hi] of [[A, B], [A, C], [B, C]]) {
      const seqs = (await db.selectFrom('messages').select('seq').where('conversation_id', '=', `${lo}:${hi}`).orderBy('seq').execute()).map(r => Number(r.seq))
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1))
    }
    for (const u of [A, B, C]) {
      const positions = (await events(u)).map(e => Number(e.pos))
      expect(positions).toEqual(Array.from({ length: positions.length }, (_, i) => i + 1))
    }
  })

  it('writes nothing of a batch that fails', async () => {
    const count = async () => Number((await db.selectFrom('messages').select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
    const before = await count()
    const headsBefore = await db.selectFrom('users').select(['id', 'stream_head']).orderBy('id').execute()
    // User 99 does not exist: the foreign key fails the batch after the first message was written.
    await expect(store([msg(A, B, 'ok-1'), msg(99, A, 'bad')])).rejects.toThrow()
    expect(await count()).toBe(before)
    expect(await db.selectFrom('users').select(['id', 'stream_head']).orderBy('id').execute()).toEqual(headsBefore)
    const [ok] = await store([msg(A, B, 'ok-1')])
    expect(ok!.duplicate).toBe(false)
  })

  it('answers a message to an unknown user in the batch, storing the others', async () => {
    const results = await write([msg(A, B, 'u-1'), msg(A, 98, 'u-2'), msg(B, A, 'u-3')])
    expect(results.map(r => 'unknownRecipient' in r ? 'unknown' : r.duplicate)).toEqual([false, 'unknown', false])
    expect(await db.selectFrom('messages').select('id').where('cid', '=', 'u-2').execute()).toEqual([])
  })
})
