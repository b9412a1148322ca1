import { Migrator } from 'kysely'
import type { Kysely } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import type { Database } from '../../server/infra/database/schema'
import { migrations } from '../../server/infra/database/migrations'
import { migrate, openPostgres, openSqlite } from '../../server/infra/db'
import { dropTestDatabase, testDatabaseEnv } from '../support/database'
import { makeTempDir, removeTempDir } from '../support/tempDir'

/**
 * Migration 0004 (groups) on a database made by the schema before it, with conversations,
 * messages, receipts and stream events in it: afterwards every message is there exactly once, in
 * order, with its id, and the conversations keep their receipts. SQLite rebuilds two tables for
 * it, so this is where a lost or doubled row would show.
 */
let databaseUrl: string | undefined
let dataDir: string | undefined
let db: Kysely<Database> | undefined
afterAll(async () => {
  await db?.destroy()
  if (dataDir) removeTempDir(dataDir)
  await dropTestDatabase(databaseUrl)
})

const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0004'))

describe('migrating to groups', () => {
  it('keeps every message of the pairwise schema, once and in order, and the receipts', async () => {
    databaseUrl = (await testDatabaseEnv()).NUXT_DATABASE_URL
    if (databaseUrl) db = openPostgres(databaseUrl)
    else db = openSqlite(dataDir = makeTempDir('migration'))
    const old = await new Migrator({ db, provider: { getMigrations: async () => before } }).migrateToLatest()
    expect(old.error).toBeUndefined()
    await db.insertInto('users').values([1, 2, 3].map(id => ({ id, username: `u${id}`, username_key: `u${id}`, password_hash: 'x', created_at: 0 }))).execute()
    await db.insertInto('conversations').values([
      { id: '1:2', user_lo: 1, user_hi: 2, last_seq: 300, lo_delivered: 300, lo_read: 250, hi_delivered: 299, hi_read: 10 },
      { id: '2:3', user_lo: 2, user_hi: 3, last_seq: 5, lo_delivered: 0, lo_read: 0, hi_delivered: 0, hi_read: 0 },
    ] as never).execute()
    const rows = [
      ...Array.from({ length: 300 }, (_, i) => ({ conversation_id: '1:2', seq: i + 1, sender_id: i % 2 ? 1 : 2, recipient_id: i % 2 ? 2 : 1, cid: `c${i}`, text: `pair ${i + 1}`, created_at: i })),
      ...Array.from({ length: 5 }, (_, i) => ({ conversation_id: '2:3', seq: i + 1, sender_id: 3, recipient_id: 2, cid: `d${i}`, text: `other ${i + 1}`, created_at: i })),
    ]
    for (let i = 0; i < rows.length; i += 100) await db.insertInto('messages').values(rows.slice(i, i + 100) as never).execute()
    await db.insertInto('events').values([{ user_id: 1, pos: 1, kind: 'message', conversation_id: '1:2', message_id: 1 }]).execute()
    const idsBefore = await db.selectFrom('messages').select(['id', 'conversation_id', 'seq', 'text']).orderBy('id').execute()

    await migrate(db)

    const after = await db.selectFrom('messages').select(['id', 'conversation_id', 'seq', 'text', 'kind', 'recipient_id']).orderBy('conversation_id').orderBy('seq').execute()
    expect(after.map(({ id, conversation_id, seq, text }) => ({ id, conversation_id, seq, text }))).toEqual(
      [...idsBefore].sort((a, b) => a.conversation_id.localeCompare(b.conversation_id) || a.seq - b.seq))
    expect(after.every(m => m.kind === 'text' && m.recipient_id !== null)).toBe(true)
    const convs = await db.selectFrom('conversations').selectAll().orderBy('id').execute()
    expect(convs.map(c => [c.id, c.kind, c.user_lo, c.user_hi, c.last_seq, c.lo_delivered, c.lo_read, c.hi_delivered, c.hi_read])).toEqual([
      ['1:2', 'direct', 1, 2, 300, 300, 250, 299, 10],
      ['2:3', 'direct', 2, 3, 5, 0, 0, 0, 0],
    ])
    expect(await db.selectFrom('events').selectAll().execute()).toHaveLength(1)
    // The rebuilt tables still enforce their keys: a second seq 1, a second cid of a sender.
    await expect(db.insertInto('messages').values({ conversation_id: '1:2', seq: 1, sender_id: 1, recipient_id: 2, cid: 'new', text: 'x', created_at: 0 }).execute()).rejects.toThrow()
    await expect(db.insertInto('messages').values({ conversation_id: '1:2', seq: 301, sender_id: 1, recipient_id: 2, cid: 'c1', text: 'x', created_at: 0 }).execute()).rejects.toThrow()
    // And a new message takes an id after every copied one.
    const { id } = await db.insertInto('messages').values({ conversation_id: '1:2', seq: 301, sender_id: 1, recipient_id: 2, cid: 'fresh', text: 'x', created_at: 0 }).returning('id').executeTakeFirstOrThrow()
    expect(Number(id)).toBeGreaterThan(Math.max(...idsBefore.map(m => Number(m.id))))
  })
})
