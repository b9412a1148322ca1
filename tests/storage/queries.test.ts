import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runtimeConfig } from '../support/nitroImports'
import { dropTestDatabase, testDatabaseEnv } from '../support/database'
import { makeTempDir, removeTempDir } from '../support/tempDir'
import type { Database } from '../../server/infra/database/schema'

/**
 * The storage reads and the session clean-up against a real database, through the same `useDb()`
 * the server uses (settings from the `#imports` stub): SQLite, and PostgreSQL under
 * `npm run test:cluster`. Queries are counted by spying on the query builder: a read that ran one
 * query per row (N+1) would grow with the number of conversations.
 */
const dataDir = makeTempDir('queries')
const databaseUrl = (await testDatabaseEnv()).NUXT_DATABASE_URL
Object.assign(runtimeConfig, { dataDir, ...(databaseUrl ? { databaseUrl } : {}) })

const { useDb } = await import('../../server/infra/db')
const { storeMessages } = await import('../../server/chat/storage/writes')
const { recordReceipt } = await import('../../server/chat/storage/receipts')
const { eventsAfter, listConversations } = await import('../../server/chat/storage/reads')
const { deleteExpiredSessions } = await import('../../server/auth/sessions')
const { expireInPasses } = await import('../../server/auth/sessionExpiry')
const { listUsers } = await import('../../server/auth/users')

let db: Kysely<Database>
const ME = 1
const PEERS = Array.from({ length: 12 }, (_, i) => i + 2)

beforeAll(async () => {
  db = await useDb()
  await db.insertInto('users').values([ME, ...PEERS].map(id => ({ id, username: `u${String(id).padStart(2, '0')}`, username_key: `u${String(id).padStart(2, '0')}`, password_hash: 'x', created_at: 0 }))).execute()
  // A conversation with each peer: two lines each way.
  await storeMessages(db, PEERS.flatMap(p => [
    { from: ME, to: p, cid: `m${p}a`, text: 'hi' }, { from: p, to: ME, cid: `p${p}a`, text: 'hello' },
    { from: p, to: ME, cid: `p${p}b`, text: 'there' },
  ]))
})
afterAll(async () => {
  await db?.destroy()
  removeTempDir(dataDir)
  await dropTestDatabase(databaseUrl)
})

/** Counts the queries `fn` starts (SELECTs, and the UPDATEs of receipts). */
async function queriesOf<T>(fn: () => Promise<T>): Promise<{ result: T, queries: number }> {
  const select = vi.spyOn(db, 'selectFrom')
  try {
    const result = await fn()
    return { result, queries: select.mock.calls.length }
  }
  finally {
    select.mockRestore()
  }
}

describe('reads that do not grow with the number of conversations', () => {
  it('lists every conversation with its unread count and newest line in a fixed number of queries', async () => {
    const { result, queries } = await queriesOf(() => listConversations(ME))
    expect(result).toHaveLength(PEERS.length)
    for (const c of result) expect(c).toMatchObject({ lastSeq: 3, unread: 2, last: { seq: 3, text: 'there' } })
    expect(queries).toBeLessThanOrEqual(3)
  })

  it('replays a batch full of receipt events in a fixed number of queries, each with its unread count', async () => {
    for (const p of PEERS) await recordReceipt({ userId: ME, peer: p, kind: 'read', seq: 2 })
    const { result, queries } = await queriesOf(() => eventsAfter(ME, 0, 200))
    const receipts = result.filter(e => e.kind === 'receipt')
    expect(receipts).toHaveLength(PEERS.length)
    // Read up to seq 2: the peer's line at seq 3 is still unread.
    for (const r of receipts) expect(r.kind === 'receipt' && r.state).toMatchObject({ selfRead: 2, unread: 1, lastSeq: 3 })
    expect(queries).toBeLessThanOrEqual(2)
  })
})

describe('sessions and accounts housekeeping', () => {
  it('deletes expired sessions and tickets, in bounded steps, and keeps live ones', async () => {
    const now = Date.now()
    await db.insertInto('sessions').values([
      ...Array.from({ length: 5 }, (_, i) => ({ id_hash: `old${i}`, user_id: ME, created_at: 0, expires_at: now - 1000 })),
      { id_hash: 'live', user_id: ME, created_at: 0, expires_at: now + 60_000 },
    ]).execute()
    await db.insertInto('ws_tickets').values([
      { token_hash: 't-old', user_id: ME, session_hash: 'live', expires_at: now - 1 },
      { token_hash: 't-live', user_id: ME, session_hash: 'live', expires_at: now + 60_000 },
    ]).execute()
    expect(await deleteExpiredSessions(now, 3)).toEqual({ sessions: 3, tickets: 1 })
    expect(await deleteExpiredSessions(now, 3)).toEqual({ sessions: 2, tickets: 0 })
    expect((await db.selectFrom('sessions').select('id_hash').execute()).map(r => r.id_hash)).toEqual(['live'])
    expect((await db.selectFrom('ws_tickets').select('token_hash').execute()).map(r => r.token_hash)).toEqual(['t-live'])
  })

  it('clears a backlog of expired sessions larger than one batch in one run of passes', async () => {
    const now = Date.now()
    await db.insertInto('sessions').values(Array.from({ length: 8 }, (_, i) => ({ id_hash: `backlog${i}`, user_id: ME, created_at: 0, expires_at: now - 1000 }))).execute()
    expect(await expireInPasses(batch => deleteExpiredSessions(now, batch), { batch: 3, pauseMs: 1 })).toEqual({ sessions: 8, tickets: 0, passes: 3 })
    expect((await db.selectFrom('sessions').select('id_hash').where('id_hash', 'like', 'backlog%').execute())).toEqual([])
  })

  it('pages through every account instead of stopping silently at a limit', async () => {
    const seen: string[] = []
    let after: string | null = null
    for (let page = 0; page < 10; page++) {
      const { users, next } = await listUsers(after, 5)
      seen.push(...users.map(u => u.username))
      if (next === null) break
      after = next
    }
    expect(seen).toEqual([ME, ...PEERS].map(id => `u${String(id).padStart(2, '0')}`))
  })
})
