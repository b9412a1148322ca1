import { monitorEventLoopDelay } from 'node:perf_hooks'
import SQLite from 'better-sqlite3'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runtimeConfig } from '../support/nitroImports'
import { makeTempDir, removeTempDir } from '../support/tempDir'

/**
 * Accounts, sessions and tickets on the embedded SQLite, on a busy server. Written on the main
 * thread's connection, such a write waited for the write lock on the event loop (better-sqlite3
 * sleeps there, up to busy_timeout), and the whole server stood still while the writer thread
 * committed; through the writer thread it waits its turn there. Bounds are generous: the event
 * loop is held for tens of milliseconds at most here, and was held for seconds.
 */
const postgres = process.env.JIZHAN_TEST_DATABASE === 'postgres'
// Only on SQLite: on PostgreSQL every test below is skipped, and with them this file's afterAll,
// which would leave the folder behind.
const dataDir = postgres ? '' : makeTempDir('account-writes')
if (!postgres) Object.assign(runtimeConfig, { dataDir })

const { sqliteFile, useDb } = await import('../../server/infra/db')
const { useSqliteWriter, closeSqliteWriter } = await import('../../server/chat/storage/sqlite/writer')
const { createUser } = await import('../../server/auth/users')
const { issueTicket, identityFromTicket } = await import('../../server/auth/tickets')
const { deleteExpiredSessions } = await import('../../server/auth/sessions')

beforeAll(async () => {
  if (postgres) return
  const db = await useDb()
  await db.insertInto('users').values([1, 2].map(id => ({ id, username: `load${id}`, username_key: `load${id}`, password_hash: 'x', created_at: 0 }))).execute()
})
afterAll(async () => {
  if (!postgres) {
    await closeSqliteWriter()
    await (await useDb()).destroy()
    removeTempDir(dataDir)
  }
})

let cid = 0
/** A batch as the group commit sends it: 200 messages. */
const batch = () => Array.from({ length: 200 }, () => ({ from: 1, to: 2, cid: `c${++cid}`, text: 'x' }))

/** Registration, a ticket issued and redeemed, the expiry sweep: each a write; their durations. */
async function accountWrites(round: number): Promise<number[]> {
  const durations: number[] = []
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    const started = performance.now()
    const result = await work()
    durations.push(performance.now() - started)
    return result
  }
  const user = await timed(() => createUser(`writer-load-${round}`, 'password123'))
  const { ticket } = await timed(() => issueTicket({ user, sessionHash: 'none', sessionExpiresAt: Date.now() + 60_000 }))
  // Redeemed once (the session it names does not exist, so no identity), then gone.
  expect(await timed(() => identityFromTicket(ticket))).toBeNull()
  await timed(() => deleteExpiredSessions(Date.now()))
  return durations
}

/** The longest the event loop was held while `work` ran, in ms. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  try {
    await work()
  }
  finally {
    delay.disable()
  }
  return delay.max / 1e6
}

describe.skipIf(postgres)('account writes on a busy embedded database', () => {
  it('wait for the write lock in the writer thread, not on the event loop', async () => {
    // Another connection holds the write lock for a second, as the writer thread does while it
    // commits (for longer on a slow disk). Waited for on the event loop, the first write would
    // hold it up to busy_timeout (5 s), release included, and then fail as locked.
    const holder = new SQLite(sqliteFile(dataDir))
    holder.exec('BEGIN IMMEDIATE')
    const release = new Promise(resolve => setTimeout(resolve, 1_000)).then(() => holder.exec('COMMIT'))
    try {
      let durations: number[] = []
      const stall = await longestStall(async () => durations = await accountWrites(0))
      // The first write did wait for the lock (else this proves nothing), but not on the event loop.
      expect(durations[0]).toBeGreaterThan(500)
      expect(stall).toBeLessThan(1_000)
    }
    finally {
      await release
      holder.close()
    }
  })

  it('complete promptly while batches stream in as the group commit sends them (32 in flight)', async () => {
    const writer = useSqliteWriter()
    let running = true
    const keepWriting = async () => {
      while (running) await writer.storeMessages(batch())
    }
    const load = Array.from({ length: 32 }, keepWriting)
    const durations: number[] = []
    const stall = await longestStall(async () => {
      for (let round = 1; round <= 3; round++) durations.push(...await accountWrites(round))
    })
    running = false
    await Promise.all(load)
    expect(durations).toHaveLength(12)
    // Each waits for at most the batches in flight before it: well under a second here.
    expect(Math.max(...durations)).toBeLessThan(5_000)
    expect(stall).toBeLessThan(1_000)
  }, 60_000)

  it('leaves WAL checkpoints to the writer thread (none on the event loop after a write)', async () => {
    const { rows } = await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(await useDb())
    expect(rows[0]!.wal_autocheckpoint).toBe(0)
  })
})
