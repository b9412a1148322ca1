import { hash } from '@node-rs/argon2'
import { Migrator } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { runtimeConfig } from '../support/nitroImports'
import { dropTestDatabase, testDatabaseEnv } from '../support/database'
import { makeTempDir, removeTempDir } from '../support/tempDir'
import { migrations } from '../../server/infra/database/migrations'
import { openPostgres, openSqlite } from '../../server/infra/db'
import { setLogSink } from '../../server/infra/log'

/**
 * Migration 0005 (username keys by NFKC + case fold) on a database of the schema before it. The
 * accounts the old rule allowed (ASCII) keep their keys and sign in as before, in any case. Rows
 * the old rule could not have made, put in by hand as a looser rule might have, move to their new
 * key when it is free; when two would share one, neither is locked out and neither is merged.
 */
const postgres = process.env.JIZHAN_TEST_DATABASE === 'postgres'
const dataDir = makeTempDir('username-migration')
const databaseUrl = (await testDatabaseEnv()).NUXT_DATABASE_URL
Object.assign(runtimeConfig, { dataDir, ...(databaseUrl ? { databaseUrl } : {}) })

const { useDb } = await import('../../server/infra/db')
const { closeSqliteWriter } = await import('../../server/chat/storage/sqlite/writer')
const { UsernameTakenError, createUser, verifyCredentials } = await import('../../server/auth/users')

afterAll(async () => {
  if (!postgres) await closeSqliteWriter()
  await (await useDb()).destroy()
  removeTempDir(dataDir)
  await dropTestDatabase(databaseUrl)
})

/** id, name as stored by the old createUser (key: toLowerCase), password. */
const OLD_ACCOUNTS: [number, string, string][] = [
  [1, 'Alice', 'alice-password'],
  [2, 'bob.smith', 'bob-password'],
  [3, 'x_y-z', 'xyz-password'],
  // Not possible under ^[\w.-]+$, but a key that changes must be handled all the same:
  [4, 'STRASSE', 'upper-password'], // key strasse, unchanged
  [5, 'Straße', 'sharp-password'], // old key straße; its new key strasse is id 4's
  [6, 'ǅemal', 'digraph-password'], // old key ǆemal; its new key is free
  [7, 'ﬁsh', 'ligature-password'], // old key ﬁsh; moves to fish
  [8, 'Ｆish', 'fullwidth-password'], // old key ｆish; fish is taken by id 7 a moment before
]

describe('migrating usernames to keys for any script', () => {
  it('keeps every account signing in, by its name in any case, and merges none', async () => {
    const old = databaseUrl ? openPostgres(databaseUrl) : openSqlite(dataDir)
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0005'))
    expect((await new Migrator({ db: old, provider: { getMigrations: async () => before } }).migrateToLatest()).error).toBeUndefined()
    await old.insertInto('users').values(await Promise.all(OLD_ACCOUNTS.map(async ([id, username, password]) =>
      ({ id, username, username_key: username.toLowerCase(), password_hash: await hash(password), created_at: 0 })))).execute()
    await old.destroy()

    const lines: Array<{ level: string, line: string }> = []
    const restoreLog = setLogSink((level, line) => void lines.push({ level, line }))
    const db = await useDb() // opens the same database and applies 0005
    restoreLog()
    const kept = lines.map(l => JSON.parse(l.line)).find(r => r.msg === 'migration kept old username keys')
    expect(kept).toMatchObject({ level: 'warn', migration: '0005', accounts: 2, ids: [5, 8] })

    const keys = Object.fromEntries((await db.selectFrom('users').select(['id', 'username_key']).execute()).map(r => [r.id, r.username_key]))
    expect(keys).toEqual({ 1: 'alice', 2: 'bob.smith', 3: 'x_y-z', 4: 'strasse', 5: 'straße', 6: 'džemal', 7: 'fish', 8: 'ｆish' })

    const signsIn = async (typed: string, password: string) => (await verifyCredentials(typed, password))?.id
    for (const typed of ['Alice', 'alice', 'ALICE', 'ＡＬＩＣＥ']) expect(await signsIn(typed, 'alice-password'), typed).toBe(1)
    for (const typed of ['bob.smith', 'Bob.Smith']) expect(await signsIn(typed, 'bob-password'), typed).toBe(2)
    for (const typed of ['x_y-z', 'X_Y-Z']) expect(await signsIn(typed, 'xyz-password'), typed).toBe(3)
    expect(await signsIn('alice', 'bob-password')).toBeUndefined()
    // The pairs that would have shared a key: each still signs in with its own password.
    expect(await signsIn('strasse', 'upper-password')).toBe(4)
    expect(await signsIn('Straße', 'sharp-password')).toBe(5)
    expect(await signsIn('Straße', 'upper-password')).toBe(4) // typed the same up to case: it is that account's name too
    expect(await signsIn('ǆemal', 'digraph-password')).toBe(6)
    expect(await signsIn('fish', 'ligature-password')).toBe(7)
    expect(await signsIn('Ｆish', 'fullwidth-password')).toBe(8)
    expect(await signsIn('fish', 'fullwidth-password')).toBeUndefined() // "fish" is id 7's name now

    // And no one can register a name that is either of them up to case and width.
    for (const name of ['STRASSE', 'straße', 'FISH', 'ｆｉｓｈ', 'ALICE']) {
      await expect(createUser(name, 'password123'), name).rejects.toBeInstanceOf(UsernameTakenError)
    }
  })
})
