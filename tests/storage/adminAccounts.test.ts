import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runtimeConfig } from '../support/nitroImports'
import { dropTestDatabase, testDatabaseEnv } from '../support/database'
import { makeTempDir, removeTempDir } from '../support/tempDir'
import type { Database } from '../../server/infra/database/schema'
import { hashPassword } from '../../server/auth/passwords'
import { disableAccount, enableAccount, findAccount, findAccounts, listAccounts, resetPassword } from '../../server/admin/accounts'
import { openAdminDatabase } from '../../server/admin/database'
import type { AdminDatabase } from '../../server/admin/database'
import { NOTICE_KEEP_MS, addNotice, disabledNoticeNames, latestNoticeId, noticesAfter } from '../../server/admin/notices'
import { watchNotices } from '../../server/admin/noticeWatch'
import type { Notice } from '../../server/admin/notices'
import { listSessions, revokeSessions } from '../../server/admin/sessions'
import { countEverything } from '../../server/admin/stats'
import { writeTransaction } from '../../server/admin/transaction'
import { GroupCursors } from '../../server/socket/groupCursors'
import { StreamCursor } from '../../server/socket/stream'
import { pool } from '../../server/utils/pool'
import type { Connection } from '../../server/utils/pool'

/**
 * The operator's command line's core against a real database — SQLite, and PostgreSQL with
 * JIZHAN_TEST_DATABASE=postgres — next to the server's own functions on the same database: what
 * the command line does is what sign-in and the session check then see.
 */
const postgres = process.env.JIZHAN_TEST_DATABASE === 'postgres'
const dataDir = makeTempDir('admin-accounts')
const databaseUrl = (await testDatabaseEnv()).NUXT_DATABASE_URL
Object.assign(runtimeConfig, { dataDir, ...(databaseUrl ? { databaseUrl } : {}) })

const { useDb } = await import('../../server/infra/db')
const { closeSqliteWriter } = await import('../../server/chat/storage/sqlite/writer')
const { AccountDisabledError, createUser, verifyCredentials } = await import('../../server/auth/users')
const { identityOfSession } = await import('../../server/auth/sessions')
const { resyncConnections } = await import('../../server/chat/replay')

let server: Kysely<Database>
let admin: AdminDatabase
let db: Kysely<Database>
const PASSWORD = 'password123'
const DAY = 86_400_000

beforeAll(async () => {
  server = await useDb()
  admin = await openAdminDatabase({ dataDir, databaseUrl: databaseUrl ?? '', sqliteSynchronous: 'FULL' })
  db = admin.db
})
afterAll(async () => {
  await admin?.db.destroy()
  if (!postgres) await closeSqliteWriter()
  await server?.destroy()
  removeTempDir(dataDir)
  await dropTestDatabase(databaseUrl)
})

function fakeConnection(user: { id: number, username: string }, sessionHash: string): Connection & { sent: string[], closedWith?: number } {
  const conn: Connection & { sent: string[], closedWith?: number } = {
    id: `c${user.id}`, user, sessionHash, sessionExpiresAt: Infinity, lastSeenAt: 0, closed: false,
    stream: new StreamCursor(), groups: new GroupCursors(), sent: [], send: text => void conn.sent.push(text),
    close: (code) => { conn.closedWith = code }, terminate() {}, enqueue() {}, idle: async () => {}, room: async () => {},
  }
  return conn
}

let sessionCounter = 0
/** Sessions of a user as sign-in makes them (expired ones: `expiresIn` < 0), with a ticket each. */
async function sessionsFor(userId: number, n: number, expiresIn = DAY): Promise<string[]> {
  const now = Date.now()
  const hashes = Array.from({ length: n }, () => `h${String(++sessionCounter).padStart(4, '0')}${'x'.repeat(39)}`)
  await db.insertInto('sessions').values(hashes.map(h => ({ id_hash: h, user_id: userId, created_at: now, expires_at: now + expiresIn }))).execute()
  await db.insertInto('ws_tickets').values(hashes.map(h => ({ token_hash: `t${h}`, user_id: userId, session_hash: h, expires_at: now + 60_000 }))).execute()
  return hashes
}

const sessionsOf = async (userId: number) => (await db.selectFrom('sessions').select('id_hash').where('user_id', '=', userId).execute()).map(r => r.id_hash)
const ticketsOf = async (userId: number) => (await db.selectFrom('ws_tickets').select('token_hash').where('user_id', '=', userId).execute()).length

describe('finding and listing accounts', () => {
  it('finds an account by its name in any case or width, or by #id, and says when there is none', async () => {
    const alice = await createUser('Alice_admin', PASSWORD)
    for (const ref of ['Alice_admin', 'ALICE_ADMIN', 'ａｌｉｃｅ_admin', `#${alice.id}`]) expect((await findAccount(db, ref)).id, ref).toBe(alice.id)
    await expect(findAccount(db, 'nobody_here')).rejects.toMatchObject({ code: 'no_account' })
    await expect(findAccount(db, '#99999999')).rejects.toMatchObject({ code: 'no_account' })
  })

  it('lists accounts by id in pages, with their live sessions and whether disabled', async () => {
    const made = []
    for (const name of ['list_a', 'list_b', 'list_c']) made.push(await createUser(name, PASSWORD))
    await sessionsFor(made[1]!.id, 2)
    await sessionsFor(made[1]!.id, 1, -1000) // expired, not yet swept: not counted
    const first = await listAccounts(db, made[0]!.id - 1, 2, Date.now())
    expect(first.users.map(u => u.username)).toEqual(['list_a', 'list_b'])
    expect(first.users[1]).toMatchObject({ sessions: 2, disabledAt: null })
    expect(first.next).toBe(made[1]!.id)
    const second = await listAccounts(db, first.next!, 2, Date.now())
    expect(second.users.map(u => u.username)).toEqual(['list_c'])
    expect(second.next).toBeNull()
  })

  it('finds accounts by the start of their name as the people search does, in key order', async () => {
    for (const name of ['小明_find', '小红_find', 'Find_z', 'find_a']) await createUser(name, PASSWORD)
    expect((await findAccounts(db, '小', 50, Date.now())).users.map(u => u.username)).toEqual(['小明_find', '小红_find'])
    const latin = await findAccounts(db, 'ＦＩＮＤ', 1, Date.now())
    expect(latin.users.map(u => u.username)).toEqual(['find_a'])
    expect(latin.more).toBe(true)
    expect(await findAccounts(db, 'zzz_nobody', 5, Date.now())).toEqual({ users: [], more: false })
  })
})

describe('disabling an account', () => {
  it('refuses its sign-in, ends its sessions and tickets, and leaves a notice for the servers', async () => {
    const bob = await createUser('bob_disabled', PASSWORD)
    const sessions = await sessionsFor(bob.id, 3)
    expect(await identityOfSession(sessions[0]!)).toMatchObject({ user: { id: bob.id } })
    const before = await latestNoticeId(db)

    const result = await disableAccount(db, bob.id, Date.now())
    expect(result).toEqual({ alreadyDisabled: false, sessions: expect.arrayContaining(sessions) })
    expect(result.sessions).toHaveLength(3)
    expect(await sessionsOf(bob.id)).toEqual([])
    expect(await ticketsOf(bob.id)).toBe(0)
    await expect(verifyCredentials('bob_disabled', PASSWORD)).rejects.toBeInstanceOf(AccountDisabledError)
    // Only someone who knows the password learns it is disabled.
    expect(await verifyCredentials('bob_disabled', 'wrong-password')).toBeNull()
    expect(await noticesAfter(db, before)).toEqual([{ id: expect.any(Number), kind: 'disabled', userId: bob.id, sessions: result.sessions }])

    // A session a racing sign-in stored after the disabling lets nobody in either.
    const [late] = await sessionsFor(bob.id, 1)
    expect(await identityOfSession(late!)).toBeNull()
    expect(await listAccounts(db, bob.id - 1, 1, Date.now())).toMatchObject({ users: [{ id: bob.id, disabledAt: expect.any(Number) }] })
  })

  it('says when it was disabled already, and enabling lets it sign in again (once)', async () => {
    const cat = await createUser('cat_disabled', PASSWORD)
    await disableAccount(db, cat.id, Date.now())
    expect((await disableAccount(db, cat.id, Date.now())).alreadyDisabled).toBe(true)
    expect(await enableAccount(db, cat.id)).toBe(true)
    expect(await enableAccount(db, cat.id)).toBe(false)
    expect(await verifyCredentials('cat_disabled', PASSWORD)).toEqual(cat)
    expect((await findAccount(db, 'cat_disabled')).disabled_at).toBeNull()
  })
})

describe('resetting a password', () => {
  it('sets a password hashed as the server hashes it and ends every session', async () => {
    const dan = await createUser('dan_reset', PASSWORD)
    const sessions = await sessionsFor(dan.id, 2)
    const before = await latestNoticeId(db)
    const ended = await resetPassword(db, dan.id, await hashPassword('a-new-password'), Date.now())
    expect(ended.sort()).toEqual(sessions.sort())
    expect(await verifyCredentials('dan_reset', 'a-new-password')).toEqual(dan)
    expect(await verifyCredentials('dan_reset', PASSWORD)).toBeNull()
    expect(await sessionsOf(dan.id)).toEqual([])
    expect(await noticesAfter(db, before)).toMatchObject([{ kind: 'sessions', userId: dan.id }])
  })
})

describe('sessions', () => {
  it('lists an account\'s sessions newest first by the start of their hash, expired ones marked', async () => {
    const eve = await createUser('eve_sessions', PASSWORD)
    const [old] = await sessionsFor(eve.id, 1, -1)
    await new Promise(resolve => setTimeout(resolve, 5))
    const [current] = await sessionsFor(eve.id, 1)
    const listed = await listSessions(db, eve.id, Date.now())
    expect(listed.map(s => [s.id, s.expired])).toEqual([[current!.slice(0, 12), false], [old!.slice(0, 12), true]])
  })

  it('revokes one session by an unambiguous start of its id, or all, and refuses a wrong or ambiguous one', async () => {
    const fay = await createUser('fay_sessions', PASSWORD)
    const [one, two, three] = await sessionsFor(fay.id, 3)
    await expect(revokeSessions(db, fay.id, { prefix: 'h' }, Date.now())).rejects.toMatchObject({ code: 'ambiguous_session' })
    await expect(revokeSessions(db, fay.id, { prefix: 'nope' }, Date.now())).rejects.toMatchObject({ code: 'no_session' })
    expect(await sessionsOf(fay.id)).toHaveLength(3)
    const before = await latestNoticeId(db)
    expect(await revokeSessions(db, fay.id, { prefix: two!.slice(0, 6) }, Date.now())).toEqual([two])
    expect((await sessionsOf(fay.id)).sort()).toEqual([one, three].sort())
    expect(await noticesAfter(db, before)).toMatchObject([{ kind: 'sessions', userId: fay.id, sessions: [two] }])
    expect((await revokeSessions(db, fay.id, { all: true }, Date.now())).sort()).toEqual([one, three].sort())
    expect(await revokeSessions(db, fay.id, { all: true }, Date.now())).toEqual([])
    expect(await ticketsOf(fay.id)).toBe(0)
  })
})

describe('notices for the running servers', () => {
  it('reach a watching server in order, from those written since it started, and ids never go back', async () => {
    const gus = await createUser('gus_notices', PASSWORD)
    // Started a moment from now: what was written before is not for it (earlier tests' notices too).
    const since = Date.now() + 10
    await writeTransaction(db, trx => addNotice(trx, 'sessions', gus.id, ['before-start'], since - 1))
    await writeTransaction(db, trx => addNotice(trx, 'sessions', gus.id, ['at-start'], since))
    const seen: Notice[] = []
    const watch = watchNotices(async () => server, n => void seen.push(n), { everyMs: 60_000, since })
    try {
      await watch.tick()
      expect(seen.map(n => n.sessions)).toEqual([['at-start']])
      const last = await latestNoticeId(db)
      await new Promise(resolve => setTimeout(resolve, 20)) // (past \`since\`: every notice so far is old below)
      // Notices an hour old go as new ones are written; the ids keep growing all the same.
      await writeTransaction(db, trx => addNotice(trx, 'disabled', gus.id, ['a'], Date.now() + NOTICE_KEEP_MS + 1))
      await writeTransaction(db, trx => addNotice(trx, 'sessions', gus.id, ['b', 'c'], Date.now() + NOTICE_KEEP_MS + 2))
      expect((await db.selectFrom('admin_notices').select('id').execute()).every(r => Number(r.id) > last)).toBe(true)
      await watch.tick()
      expect(seen.slice(1).map(n => [n.kind, n.sessions])).toEqual([['disabled', ['a']], ['sessions', ['b', 'c']]])
      expect(seen[1]!.id).toBeGreaterThan(last)
      await watch.tick()
      expect(seen).toHaveLength(3)
    }
    finally {
      watch.stop()
    }
  })

  it('acts on a notice written after the process started but before the first read: sockets are accepted before that read', async () => {
    const hal = await createUser('hal_notices', PASSWORD)
    await writeTransaction(db, trx => addNotice(trx, 'disabled', hal.id, ['written-before-first-read'], Date.now()))
    const seen: Notice[] = []
    const watch = watchNotices(async () => server, n => void seen.push(n), { everyMs: 60_000 })
    try {
      await watch.tick()
      expect(seen.map(n => n.sessions)).toContainEqual(['written-before-first-read'])
    }
    finally {
      watch.stop()
    }
  })
})

describe('why a session ended', () => {
  it('is found in the notices for a session of an account disabled in the last hour, not for a revoked one', async () => {
    const kim = await createUser('kim_why', PASSWORD)
    const [disabled] = await sessionsFor(kim.id, 1)
    const lou = await createUser('lou_why', PASSWORD)
    const [revoked] = await sessionsFor(lou.id, 1)
    await disableAccount(db, kim.id, Date.now())
    await revokeSessions(db, lou.id, { all: true }, Date.now())
    expect([await disabledNoticeNames(server, disabled!), await disabledNoticeNames(server, revoked!), await disabledNoticeNames(server, 'h')]).toEqual([true, false, false])
  })
})

describe('a resync after lost envelopes (Redis was down)', () => {
  it('closes the sockets of a disabled account with 4003 and account_disabled, other ended sessions\' with 4001', async () => {
    const ida = await createUser('ida_resync', PASSWORD)
    const jon = await createUser('jon_resync', PASSWORD)
    const [idaSession] = await sessionsFor(ida.id, 1)
    const [jonSession] = await sessionsFor(jon.id, 1)
    const sockets = [fakeConnection(ida, idaSession!), fakeConnection(jon, jonSession!)]
    for (const c of sockets) pool.add(c)
    try {
      // What the command line did while this server heard nothing (its notice not read yet).
      await disableAccount(db, ida.id, Date.now())
      await revokeSessions(db, jon.id, { all: true }, Date.now())
      await resyncConnections()
      expect(sockets.map(c => [c.closedWith, c.sent.map(f => JSON.parse(f).code)])).toEqual([
        [4003, ['account_disabled']],
        [4001, ['session_ended']],
      ])
    }
    finally {
      for (const c of sockets) pool.remove(c)
    }
  })
})

describe('counts', () => {
  it('counts accounts, the disabled, live sessions, conversations, groups, messages and the database size', async () => {
    const now = Date.now()
    const expected = {
      users: Number((await db.selectFrom('users').select(eb => eb.fn.countAll().as('n')).executeTakeFirst())?.n),
      disabledUsers: (await db.selectFrom('users').select('id').where('disabled_at', 'is not', null).execute()).length,
      sessions: (await db.selectFrom('sessions').select('id_hash').where('expires_at', '>', now).execute()).length,
    }
    const counted = await countEverything(db, now, admin.file)
    expect(counted).toMatchObject({ ...expected, database: postgres ? 'postgres' : 'sqlite', conversations: 0, groups: 0, messages: 0 })
    expect(counted.disabledUsers).toBeGreaterThan(0)
    expect(counted.databaseBytes).toBeGreaterThan(10_000)
  })
})
