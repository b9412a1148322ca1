import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../server/infra/database/schema'
import { migrate, openSqlite, sqliteFile } from '../../server/infra/db'
import { startSqliteWriter } from '../../server/chat/storage/sqlite/writer'
import type { SqliteWriter } from '../../server/chat/storage/sqlite/writer'
import type { StoredResult } from '../../server/chat/storage/model'
import { makeTempDir, removeTempDir } from '../support/tempDir'

/**
 * The SQLite writer thread as the server runs it (the bundled thread code, started from source):
 * requests sent while it commits are joined into one transaction, each in its own savepoint.
 */
const postgres = process.env.JIZHAN_TEST_DATABASE === 'postgres'
let dataDir: string
let db: Kysely<Database>
let writer: SqliteWriter
beforeAll(async () => {
  if (postgres) return
  dataDir = makeTempDir('writer')
  db = openSqlite(dataDir)
  await migrate(db)
  await db.insertInto('users').values([1, 2, 3].map(id => ({ id, username: `u${id}`, username_key: `u${id}`, password_hash: 'x', created_at: 0 }))).execute()
  writer = startSqliteWriter(sqliteFile(dataDir), 'FULL')
})
afterAll(async () => {
  if (postgres) return
  await writer.close()
  await db.destroy()
  removeTempDir(dataDir)
})

describe.skipIf(postgres)('the SQLite writer thread', () => {
  it('answers many requests sent at once, in order, with gapless seqs across them', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => writer.storeMessages([{ from: 1, to: 2, cid: `m${i}`, text: `t${i}` }])))
    expect(answers.map(a => (a[0] as StoredResult).message.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
  })

  it('fails only the request that fails when requests are joined, and stores the others', async () => {
    const [before, bad, after] = await Promise.allSettled([
      writer.storeMessages([{ from: 1, to: 3, cid: 'ok-before', text: 'a' }]),
      // Sender 99 does not exist: this request's savepoint is rolled back.
      writer.storeMessages([{ from: 99, to: 1, cid: 'bad', text: 'b' }]),
      writer.recordReceipt({ userId: 3, peer: 1, kind: 'read', seq: 1 }),
    ])
    expect(before.status).toBe('fulfilled')
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: expect.stringMatching(/^SQLITE_CONSTRAINT/) } })
    expect(after).toMatchObject({ status: 'fulfilled', value: [{ userId: 1 }, { userId: 3 }] })
    const stored = await db.selectFrom('messages').select('cid').where('cid', 'in', ['ok-before', 'bad']).execute()
    expect(stored.map(r => r.cid)).toEqual(['ok-before'])
  })
})
