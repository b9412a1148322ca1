import { CompiledQuery } from 'kysely'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runtimeConfig } from '../support/nitroImports'
import { dropTestDatabase, testDatabaseEnv } from '../support/database'
import { makeTempDir, removeTempDir } from '../support/tempDir'
import type { Database } from '../../server/infra/database/schema'

/**
 * Names in any script against a real database, through the functions the endpoints call: SQLite,
 * and PostgreSQL under JIZHAN_TEST_DATABASE=postgres. The PostgreSQL database is made with ICU's
 * en-US collation, as a production database may be (the test server's is C.UTF-8, which sorts by
 * code point and would hide a range that depends on the collation).
 */
const postgres = process.env.JIZHAN_TEST_DATABASE === 'postgres'
const dataDir = makeTempDir('usernames')
const databaseUrl = (await testDatabaseEnv({ icuLocale: 'en-US' })).NUXT_DATABASE_URL
Object.assign(runtimeConfig, { dataDir, ...(databaseUrl ? { databaseUrl } : {}) })

const { useDb } = await import('../../server/infra/db')
const { closeSqliteWriter } = await import('../../server/chat/storage/sqlite/writer')
const { UsernameTakenError, createUser, searchQuery, searchUsers, verifyCredentials } = await import('../../server/auth/users')

let db: Kysely<Database>
const PASSWORD = 'password123'
beforeAll(async () => {
  db = await useDb()
})
afterAll(async () => {
  if (!postgres) await closeSqliteWriter()
  await db?.destroy()
  removeTempDir(dataDir)
  await dropTestDatabase(databaseUrl)
})

/** Every name a search finds, page by page. */
async function searchAll(prefix: string, pageSize = 50): Promise<string[]> {
  const names: string[] = []
  let after: string | null = null
  for (let i = 0; i < 100; i++) {
    const { users, next }: Awaited<ReturnType<typeof searchUsers>> = await searchUsers(prefix, 0, after, pageSize)
    names.push(...users.map(u => u.username))
    if (next === null) return names
    after = next
  }
  throw new Error('the search never ended')
}

describe('accounts named in any script', () => {
  it('registers 小明 and signs in as 小明, with the right password only', async () => {
    const user = await createUser('小明', PASSWORD)
    expect(user.username).toBe('小明')
    expect(await verifyCredentials('小明', PASSWORD)).toEqual(user)
    expect(await verifyCredentials('小明', 'wrong-password')).toBeNull()
  })

  it('stores the NFKC form and signs in whatever the width, case or composition typed', async () => {
    const user = await createUser('Ｊｕ\u0308rgen', PASSWORD)
    expect(user.username).toBe('Jürgen')
    for (const typed of ['Jürgen', 'JÜRGEN', 'ju\u0308rgen', 'ＪＵＲＧＥＮ'.replace('Ｕ', 'Ü')]) {
      expect(await verifyCredentials(typed, PASSWORD), typed).toEqual(user)
    }
  })

  it('refuses ＡＬＩＣＥ and ALICE as taken once alice exists, and signs alice in by either', async () => {
    const alice = await createUser('alice', PASSWORD)
    await expect(createUser('ＡＬＩＣＥ', PASSWORD)).rejects.toBeInstanceOf(UsernameTakenError)
    await expect(createUser('ALICE', PASSWORD)).rejects.toBeInstanceOf(UsernameTakenError)
    expect(await verifyCredentials('ＡＬＩＣＥ', PASSWORD)).toEqual(alice)
  })

  it('refuses STRASSE once straße exists: a full case fold, not just lower case', async () => {
    await createUser('straße', PASSWORD)
    await expect(createUser('STRASSE', PASSWORD)).rejects.toBeInstanceOf(UsernameTakenError)
    await expect(createUser('STRAẞE', PASSWORD)).rejects.toBeInstanceOf(UsernameTakenError)
  })
})

describe('searching by the start of a name, in any script', () => {
  beforeAll(async () => {
    for (const name of ['小红', '小𠀀', '大明', '明小', 'Алия', 'алина', 'Аня', 'ábel', 'abby', 'a-b', 'Οδυσσεύς']) await createUser(name, PASSWORD)
  })

  it('finds 小明 and every other name starting with 小, and nothing else', async () => {
    // The old upper bound, the prefix plus "~", stopped before every CJK character.
    expect(await searchAll('小')).toEqual(['小明', '小红', '小𠀀'])
    expect(await searchAll('小明')).toEqual(['小明'])
    expect(await searchAll('明')).toEqual(['明小'])
  })

  it('compares the start by key: case, width and composition do not matter', async () => {
    expect(await searchAll('АЛ')).toEqual(['алина', 'Алия'])
    expect(await searchAll('ａｌ')).toEqual(['alice'])
    expect(await searchAll('ju\u0308')).toEqual(['Jürgen'])
    expect(await searchAll('ΟΔΥΣ')).toEqual(['Οδυσσεύς'])
  })

  it('orders by code point, whatever the database collation: "a" finds a-b, abby, alice, not ábel', async () => {
    expect(await searchAll('a')).toEqual(['a-b', 'abby', 'alice'])
    expect(await searchAll('á')).toEqual(['ábel'])
  })

  it('pages through every match once, in order, by the key each page ends on', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `页${'甲乙丙丁戊己庚'[i]}`)
    for (const name of [...names].reverse()) await createUser(name, PASSWORD)
    const all = await searchAll('页')
    expect([...all].sort()).toEqual([...names].sort())
    for (const size of [1, 2, 3, 6]) expect(await searchAll('页', size)).toEqual(all)
  })

  it('leaves out the one searching', async () => {
    const me = await verifyCredentials('小明', PASSWORD)
    expect((await searchUsers('小', me!.id, null, 50)).users.map(u => u.username)).toEqual(['小红', '小𠀀'])
  })

  it('reads a range of the key index, not the whole table', async () => {
    const { sql, parameters } = searchQuery(db, '小', 0, '小明', 20).compile()
    const plan = await db.connection().execute(async (connection) => {
      // A table this small is cheaper to scan; what matters is that the index can serve the range
      // in order (a page is then read without sorting every match).
      if (postgres) await connection.executeQuery(CompiledQuery.raw('SET enable_seqscan = off'))
      if (postgres) await connection.executeQuery(CompiledQuery.raw('SET enable_bitmapscan = off'))
      try {
        const rows = await connection.executeQuery<Record<string, string>>(CompiledQuery.raw(`${postgres ? 'EXPLAIN' : 'EXPLAIN QUERY PLAN'} ${sql}`, [...parameters]))
        return rows.rows.map(r => Object.values(r).join(' ')).join('\n')
      }
      finally {
        if (postgres) await connection.executeQuery(CompiledQuery.raw('RESET ALL'))
      }
    })
    if (postgres) expect(plan).toMatch(/Index Scan using users_username_key_c/)
    if (postgres) expect(plan).not.toMatch(/Sort/)
    else expect(plan).toMatch(/SEARCH users USING INDEX sqlite_autoindex_users_1 \(username_key>\? AND username_key<\?\)/)
    expect(plan).not.toMatch(/Seq Scan|SCAN users/)
  })
})
