import type { Kysely } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../server/infra/database/schema'
import { migrate, openPostgres } from '../../server/infra/db'
import { recordReceiptWith } from '../../server/chat/storage/receipts'
import { storeMessages } from '../../server/chat/storage/writes'
import { dropTestDatabase, testDatabaseEnv } from '../support/database'

/**
 * PostgreSQL's row locks between a batch of messages and a receipt (SQLite has one writer and no
 * row locks: nothing to test there). Inserting a row that references a user (a new conversation,
 * a message, an event) takes a KEY SHARE lock on that user's row; a transaction that then locked
 * the user FOR UPDATE waited for it, and the two deadlocked: one was aborted and its messages
 * answered with an error (seen as a lost ack under the fuzz test).
 */
const postgres = process.env.JIZHAN_TEST_DATABASE === 'postgres'
let databaseUrl: string | undefined
let db: Kysely<Database>
const [A, B, C] = [1, 2, 3]
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

beforeAll(async () => {
  if (!postgres) return
  databaseUrl = (await testDatabaseEnv()).NUXT_DATABASE_URL
  db = openPostgres(databaseUrl!)
  await migrate(db)
  await db.insertInto('users').values([A, B, C].map(id => ({ id, username: `u${id}`, username_key: `u${id}`, password_hash: 'x', created_at: 0 }))).execute()
})
afterAll(async () => {
  await db?.destroy()
  await dropTestDatabase(databaseUrl)
})

describe.skipIf(!postgres)('row locks on PostgreSQL', () => {
  it('let a receipt and a batch that opens a new conversation wait for each other without a deadlock', async () => {
    await storeMessages(db, [{ from: B, to: A, cid: 'first', text: 'hello' }])
    // A third transaction holds A–B's conversation, so the receipt and then the batch queue on it
    // in that order, the batch already holding its KEY SHARE lock on A (from the new A–C row).
    const blocker = new pg.Client({ connectionString: databaseUrl })
    await blocker.connect()
    try {
      await blocker.query('BEGIN')
      await blocker.query(`SELECT id FROM conversations WHERE id = '1:2' FOR UPDATE`)
      const receipt = recordReceiptWith(db, { userId: A, peer: B, kind: 'delivered', seq: 1 })
      await sleep(200)
      const batch = storeMessages(db, [
        { from: C, to: A, cid: 'opens', text: 'new conversation' },
        { from: B, to: A, cid: 'second', text: 'same conversation' },
      ])
      await sleep(200)
      await blocker.query('COMMIT')
      const [receiptEvents, stored] = await Promise.all([receipt, batch])
      expect(receiptEvents.map(e => e.userId)).toEqual([A, B])
      expect(stored.map(r => 'message' in r && r.message.seq)).toEqual([1, 2])
    }
    finally {
      await blocker.end()
    }
  })
})
