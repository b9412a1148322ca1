import { Migrator } from 'kysely'
import type { Kysely } from 'kysely'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { runtimeConfig } from '../support/nitroImports'
import { dropTestDatabase, testDatabaseEnv } from '../support/database'
import { makeTempDir, removeTempDir } from '../support/tempDir'
import type { Database } from '../../server/infra/database/schema'
import { migrations } from '../../server/infra/database/migrations'
import { migrate, openPostgres, openSqlite } from '../../server/infra/db'
import { main } from '../../server/admin/cli'

/**
 * Every command of the operator's command line, run in this process through its `main` (the
 * program `npm run admin` runs) against a real database found through NUXT_* variables as the
 * server finds it: SQLite, and PostgreSQL with JIZHAN_TEST_DATABASE=postgres. What each prints
 * (text and --json), its exit code, and what the server then sees. The real process against a
 * running server: tests/contract/admin.test.ts.
 */
const postgres = process.env.JIZHAN_TEST_DATABASE === 'postgres'
const dataDir = makeTempDir('admin-cli')
const databaseUrl = (await testDatabaseEnv()).NUXT_DATABASE_URL
Object.assign(runtimeConfig, { dataDir, ...(databaseUrl ? { databaseUrl } : {}) })

const { closeSqliteWriter } = await import('../../server/chat/storage/sqlite/writer')
const { createUser, verifyCredentials } = await import('../../server/auth/users')
const { useDb } = await import('../../server/infra/db')

const env = { NUXT_DATA_DIR: dataDir, ...(databaseUrl ? { NUXT_DATABASE_URL: databaseUrl } : {}) }
const PASSWORD = 'password123'

/** Runs one command line; what it printed and its exit code. */
async function admin(argv: string[], stdin = ''): Promise<{ code: number, out: string, err: string }> {
  const out: string[] = []
  const err: string[] = []
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value)
  const code = await main(argv, { out: t => void out.push(t), err: t => void err.push(t), readStdin: async () => stdin })
  return { code, out: out.join('\n'), err: err.join('\n') }
}
const json = async (argv: string[], stdin?: string) => {
  const result = await admin([...argv, '--json'], stdin)
  expect(result, result.err).toMatchObject({ code: 0 })
  return JSON.parse(result.out)
}

afterEach(() => void vi.unstubAllEnvs())
afterAll(async () => {
  if (!postgres) await closeSqliteWriter()
  await (await useDb().catch(() => undefined))?.destroy()
  removeTempDir(dataDir)
  await dropTestDatabase(databaseUrl)
})

describe('the database it works on', () => {
  let db: Kysely<Database>
  afterAll(() => db?.destroy())

  it('refuses a missing database, one not migrated to this version and one of a newer version, saying what to do', async () => {
    if (!postgres) {
      const missing = await admin(['stats'])
      expect(missing).toMatchObject({ code: 1, err: expect.stringMatching(/no database at .*jizhan\.sqlite.*NUXT_DATA_DIR/) })
    }
    db = databaseUrl ? openPostgres(databaseUrl) : openSqlite(dataDir)
    if (postgres) expect(JSON.parse((await admin(['stats', '--json'])).err)).toMatchObject({ error: { code: 'schema_missing' } })
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0006'))
    expect((await new Migrator({ db, provider: { getMigrations: async () => before } }).migrateToLatest()).error).toBeUndefined()
    const older = await admin(['stats'])
    expect(older).toMatchObject({ code: 1, err: expect.stringMatching(/not migrated to this version \(missing 0006_account_admin\): start this version of the server once/) })

    // An account of the schema before 0006 is enabled after it, and no notice is waiting.
    await db.insertInto('users').values({ username: 'before0006', username_key: 'before0006', password_hash: 'x', created_at: 0 } as never).execute()
    await migrate(db)
    expect(await db.selectFrom('users').select(['username', 'disabled_at']).execute()).toEqual([{ username: 'before0006', disabled_at: null }])
    expect(await db.selectFrom('admin_notices').selectAll().execute()).toEqual([])
    expect((await admin(['stats'])).code).toBe(0)
    await db.deleteFrom('users').execute()
    await db.insertInto('kysely_migration' as never).values({ name: '9999_from_the_future', timestamp: new Date().toISOString() } as never).execute()
    expect(JSON.parse((await admin(['stats', '--json'])).err)).toMatchObject({ error: { code: 'schema_newer', message: expect.stringMatching(/newer Jizhan \(9999_from_the_future\): use that version/) } })
    await db.deleteFrom('kysely_migration' as never).where('name' as never, '=', '9999_from_the_future' as never).execute()
  })

  it('refuses settings the server would refuse', async () => {
    vi.stubEnv('NUXT_SESSION_MAX_AGE_SECONDS', '0')
    expect(await admin(['stats'])).toMatchObject({ code: 1, err: expect.stringMatching(/NUXT_SESSION_MAX_AGE_SECONDS=0 is not allowed/) })
  })
})

describe('every command', () => {
  const ids: Record<string, number> = {}
  beforeAll(async () => {
    for (const name of ['小明', '小红', 'Alice', 'bob']) ids[name] = (await createUser(name, PASSWORD)).id
    const db = await useDb()
    const now = Date.now()
    await db.insertInto('sessions').values(['s1AAAAAAAAAAAAAAAAAAAAAA', 's2BBBBBBBBBBBBBBBBBBBBBB'].map((id_hash, i) => ({ id_hash, user_id: ids['小明']!, created_at: now + i, expires_at: now + 86_400_000 }))).execute()
  })

  it('users list: by id, in pages, as a table or JSON', async () => {
    const text = await admin(['users', 'list', '--limit', '2'])
    expect(text.code).toBe(0)
    expect(text.out).toMatch(/^ID +USERNAME +CREATED +SESSIONS +STATUS\n/)
    expect(text.out).toMatch(new RegExp(`${ids['小明']} +小明 +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC +2 +enabled`))
    expect(text.out).toMatch(new RegExp(`More: users list --after ${ids['小红']} --limit 2$`))
    const page = await json(['users', 'list', '--after', String(ids['小红']), '--limit', '5'])
    expect(page).toEqual({ users: [expect.objectContaining({ username: 'Alice', sessions: 0, disabledAt: null }), expect.objectContaining({ username: 'bob' })], next: null })
    expect(page.users[0].createdAt).toMatch(/^\d{4}-\d\d-\d\dT/)
  })

  it('users find: by the start of the name, up to case and width', async () => {
    expect((await json(['users', 'find', '小'])).users.map((u: { username: string }) => u.username)).toEqual(['小明', '小红'])
    expect((await json(['users', 'find', 'ＡＬ'])).users.map((u: { username: string }) => u.username)).toEqual(['Alice'])
    expect((await admin(['users', 'find', 'zz'])).out).toBe('No accounts.')
  })

  it('users disable and enable: sign-in refused while disabled, sessions ended, servers told', async () => {
    const disabled = await admin(['users', 'disable', '小明'])
    expect(disabled).toMatchObject({ code: 0, out: expect.stringMatching(/^Disabled 小明 \(#\d+\): 2 sessions ended\.\nIts sockets close with 4003 within a second on every running server/) })
    await expect(verifyCredentials('小明', PASSWORD)).rejects.toThrow(/disabled/)
    expect(await json(['users', 'disable', `#${ids['小明']}`])).toMatchObject({ alreadyDisabled: true, sessionsEnded: 0, redis: 'off' })
    expect((await json(['users', 'list'])).users.find((u: { id: number }) => u.id === ids['小明']).disabledAt).toMatch(/^\d{4}-/)
    expect(await json(['users', 'enable', '小明'])).toEqual({ user: { id: ids['小明'], username: '小明' }, wasDisabled: true })
    expect((await admin(['users', 'enable', '小明'])).out).toBe(`小明 (#${ids['小明']}) was not disabled.`)
    expect(await verifyCredentials('小明', PASSWORD)).toMatchObject({ id: ids['小明'] })
  })

  it('users reset-password: prints a one-time password that signs in, or takes one from stdin', async () => {
    const generated = await json(['users', 'reset-password', 'alice'])
    expect(generated).toMatchObject({ user: { username: 'Alice' }, password: expect.stringMatching(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/), sessionsEnded: 0 })
    expect(await verifyCredentials('Alice', generated.password)).toMatchObject({ id: ids.Alice })
    expect(await verifyCredentials('Alice', PASSWORD)).toBeNull()
    const text = await admin(['users', 'reset-password', 'Alice'])
    expect(text.out).toMatch(/^New password for Alice \(#\d+\): \S+\nGive it to them/)

    const piped = await admin(['users', 'reset-password', 'Alice', '--stdin'], 'chosen by the operator\n')
    expect(piped).toMatchObject({ code: 0, out: expect.stringMatching(/^Set the password of Alice/) })
    expect(piped.out).not.toContain('chosen by the operator')
    expect(await verifyCredentials('Alice', 'chosen by the operator')).toMatchObject({ id: ids.Alice })
    const short = await admin(['users', 'reset-password', 'Alice', '--stdin', '--json'], 'short\n')
    expect(short.code).toBe(1)
    expect(JSON.parse(short.err)).toMatchObject({ error: { code: 'password_too_short' } })
  })

  it('sessions list and revoke: one by the start of its id, or all', async () => {
    const db = await useDb()
    const now = Date.now()
    await db.insertInto('sessions').values(['q1CCCCCCCCCCCCCCCCCCCCCC', 'q2DDDDDDDDDDDDDDDDDDDDDD'].map((id_hash, i) => ({ id_hash, user_id: ids.bob!, created_at: now + i, expires_at: now + 86_400_000 }))).execute()
    expect((await admin(['sessions', 'list', 'bob'])).out).toMatch(/^Sessions of bob \(#\d+\):\nID +STARTED +ENDS\nq2DDDDDDDDDD +.*UTC\nq1CCCCCCCCCC +/)
    expect((await json(['sessions', 'list', 'bob'])).sessions.map((s: { id: string }) => s.id)).toEqual(['q2DDDDDDDDDD', 'q1CCCCCCCCCC'])
    expect(await json(['sessions', 'revoke', 'bob', '--id', 'q1CC'])).toMatchObject({ ended: ['q1CCCCCCCCCC'], redis: 'off' })
    expect(JSON.parse((await admin(['sessions', 'revoke', 'bob', '--id', 'q1CC', '--json'])).err)).toMatchObject({ error: { code: 'no_session' } })
    expect((await admin(['sessions', 'revoke', 'bob', '--all'])).out).toMatch(/^Ended 1 session of bob \(#\d+\): q2DDDDDDDDDD\.\nIts sockets close with 4001/)
    expect((await admin(['sessions', 'list', 'bob'])).out).toBe(`bob (#${ids.bob}) has no sessions.`)
  })

  it('stats: the counts, as a table or JSON', async () => {
    expect(await json(['stats'])).toMatchObject({ users: 4, disabledUsers: 0, sessions: 0, conversations: 0, groups: 0, messages: 0, database: postgres ? 'postgres' : 'sqlite' })
    expect((await admin(['stats'])).out).toMatch(/accounts +4\n {2}disabled +0\n.*\ndatabase +[\d.]+ (KiB|MiB) \((SQLite|PostgreSQL), /s)
  })

  it('says when Redis does not take the news, and the change holds all the same', async () => {
    vi.stubEnv('NUXT_REDIS_URL', 'redis://127.0.0.1:1')
    const result = await admin(['users', 'disable', 'bob'])
    expect(result).toMatchObject({ code: 0, out: expect.stringMatching(/Redis did not take the news \(.*\); its sockets close with 4003 within a second all the same/) })
    expect((await json(['users', 'enable', 'bob'])).wasDisabled).toBe(true)
  })

  it('fails with exit code 1 for an account that does not exist, and 2 for a command line it does not understand', async () => {
    expect(await admin(['users', 'disable', 'nobody'])).toMatchObject({ code: 1, err: 'error: No account is named "nobody" (names match up to case and width; #ID names an account by its id).' })
    for (const argv of [[], ['users'], ['users', 'lisst'], ['users', 'disable'], ['users', 'disable', 'a', 'b'], ['stats', '--limit', '3'],
      ['users', 'list', '--limit', '0'], ['users', 'list', '--bogus'], ['sessions', 'revoke', 'bob'], ['sessions', 'revoke', 'bob', '--all', '--id', 'q1CC']]) {
      const result = await admin(argv)
      expect(result.code, argv.join(' ')).toBe(2)
      expect(result.err, argv.join(' ')).toMatch(/^error: .*\nUsage: npm run admin -- /)
    }
    const help = await admin(['--help'])
    expect(help).toMatchObject({ code: 0, out: expect.stringMatching(/^Usage: npm run admin -- COMMAND/) })
    for (const name of ['users list', 'users find', 'users disable', 'users enable', 'users reset-password', 'sessions list', 'sessions revoke', 'stats']) {
      expect(help.out).toContain(`  ${name}`)
      expect((await admin([...name.split(' '), '--help'])).out).toMatch(new RegExp(`^Usage: npm run admin -- ${name}[^\\n]*\\n[\\s\\S]*\\nExample: npm run admin -- ${name}`))
    }
  })
})
