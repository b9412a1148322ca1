import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../server/infra/database/schema'
import { migrate, openSqlite, sqliteFile } from '../../server/infra/db'
import { startSqliteWriter } from '../../server/chat/storage/sqlite/writer'
import type { SqliteWriter } from '../../server/chat/storage/sqlite/writer'
import { makeTempDir, removeTempDir } from '../support/tempDir'

/**
 * The SQLite writer thread when things go wrong: a failure that takes the whole joined transaction
 * with it, and a thread that cannot open its database.
 */
const postgres = process.env.JIZHAN_TEST_DATABASE === 'postgres'
let dataDir: string
let db: Kysely<Database>
let writer: SqliteWriter
beforeAll(async () => {
  if (postgres) return
  dataDir = makeTempDir('writer-recovery')
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

/**
 * Holds the write lock while `send` hands requests to the thread: the first one waits for the
 * lock, and everything sent meanwhile is joined into the thread's next transaction.
 */
async function joinedAfterAWait<T>(send: () => Promise<T>): Promise<T> {
  const holder = new SQLite(sqliteFile(dataDir))
  holder.exec('BEGIN IMMEDIATE')
  try {
    const warmUp = writer.storeMessages([{ from: 3, to: 2, cid: `warm-${Date.now()}`, text: 'w' }])
    await new Promise(resolve => setTimeout(resolve, 100))
    const sent = send()
    holder.exec('COMMIT')
    await warmUp
    return await sent
  }
  finally {
    holder.close()
  }
}

describe.skipIf(postgres)('the SQLite writer thread after a failure that aborts the joined transaction', () => {
  it('writes the other requests of the batch once each, with their events, and fails only the one', async () => {
    await writer.storeMessages([{ from: 3, to: 1, cid: 'opens', text: 'so 1 can read it' }])
    // As SQLITE_FULL or an I/O error may, this rolls back the whole transaction, not the savepoint.
    await sql`CREATE TRIGGER abort_all BEFORE INSERT ON messages WHEN NEW.text = 'abort' BEGIN SELECT RAISE(ROLLBACK, 'forced: the transaction is gone'); END`.execute(db)
    try {
      const [before, bad, after, receipt] = await joinedAfterAWait(() => Promise.allSettled([
        writer.storeMessages([{ from: 1, to: 2, cid: 'before', text: 'a' }]),
        writer.storeMessages([{ from: 1, to: 2, cid: 'bad', text: 'abort' }]),
        writer.storeMessages([{ from: 1, to: 2, cid: 'after', text: 'c' }]),
        writer.recordReceipt({ userId: 1, peer: 3, kind: 'read', seq: 1 }),
      ]))
      expect(bad).toMatchObject({ status: 'rejected', reason: { message: expect.stringContaining('forced') } })
      // Stored now (with their stream positions, to be relayed live), not "stored before".
      for (const r of [before, after]) expect(r).toMatchObject({ status: 'fulfilled', value: [{ duplicate: false, positions: [{}, {}] }] })
      // The receipt's events come back, so they are relayed live.
      expect(receipt).toMatchObject({ status: 'fulfilled', value: [{ userId: 1 }, { userId: 3 }] })
      const stored = await db.selectFrom('messages').select('cid').where('cid', 'in', ['before', 'bad', 'after']).orderBy('seq').execute()
      expect(stored.map(r => r.cid)).toEqual(['before', 'after'])
    }
    finally {
      await sql`DROP TRIGGER abort_all`.execute(db)
    }
  })
})

describe.skipIf(postgres)('a SQLite writer thread that cannot open its database', () => {
  it('is not started again for every request: refused at once for a while, then tried again', async () => {
    const folder = join(dataDir, 'not-yet')
    let started = 0
    const count = () => started++
    process.on('worker', count)
    const broken = startSqliteWriter(join(folder, 'jizhan.sqlite'), 'FULL')
    try {
      const send = (i: number) => broken.storeMessages([{ from: 1, to: 2, cid: `x${i}`, text: 'x' }])
      // The folder does not exist: the thread fails at its start, and the next requests are
      // refused without another thread each.
      for (let i = 0; i < 10; i++) await expect(send(i)).rejects.toThrow()
      expect(started).toBeLessThanOrEqual(2)
      // Once the file can be opened, a later request starts a thread that writes.
      mkdirSync(folder)
      const fixed = openSqlite(folder)
      await migrate(fixed)
      await fixed.insertInto('users').values([1, 2].map(id => ({ id, username: `u${id}`, username_key: `u${id}`, password_hash: 'x', created_at: 0 }))).execute()
      await fixed.destroy()
      let stored: unknown
      for (let i = 10; stored === undefined && i < 200; i++) {
        stored = await send(i).catch(() => new Promise(resolve => setTimeout(resolve, 50)))
      }
      expect(stored).toMatchObject([{ duplicate: false }])
      expect(started).toBeLessThan(10)
    }
    finally {
      process.off('worker', count)
      // Nothing refused was left waiting: closing does not wait for it.
      const closing = performance.now()
      await broken.close()
      expect(performance.now() - closing).toBeLessThan(1_000)
    }
  })
})
