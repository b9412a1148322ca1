import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runtimeConfig } from '../support/nitroImports'
import { dropTestDatabase, testDatabaseEnv } from '../support/database'
import { makeTempDir, removeTempDir } from '../support/tempDir'
import type { Database } from '../../server/infra/database/schema'
import { hashPassword } from '../../server/auth/passwords'
import { disableAccount, resetPassword } from '../../server/admin/accounts'
import { openAdminDatabase } from '../../server/admin/database'
import type { AdminDatabase } from '../../server/admin/database'
import { writeTransaction } from '../../server/admin/transaction'
import { insertSessionIfCurrent } from '../../server/auth/sessionRows'

/**
 * Sign-in checks the password (tens of milliseconds of Argon2), then stores the session. The
 * operator's reset-password or disable, committed in between, must not leave a session made with
 * the old password or of the disabled account. SQLite, and PostgreSQL with JIZHAN_TEST_DATABASE=postgres.
 */
const dataDir = makeTempDir('sign-in-race')
const databaseUrl = (await testDatabaseEnv()).NUXT_DATABASE_URL
Object.assign(runtimeConfig, { dataDir, ...(databaseUrl ? { databaseUrl } : {}) })

const { useDb } = await import('../../server/infra/db')
const { useWriteDb } = await import('../../server/chat/storage/sqlite/writerDialect')
const { closeSqliteWriter } = await import('../../server/chat/storage/sqlite/writer')
const { checkCredentials, createUser } = await import('../../server/auth/users')

let server: Kysely<Database>
let admin: AdminDatabase
const PASSWORD = 'password123'
const DAY = 86_400_000

beforeAll(async () => {
  server = await useDb()
  admin = await openAdminDatabase({ dataDir, databaseUrl: databaseUrl ?? '', sqliteSynchronous: 'FULL' })
})
afterAll(async () => {
  await admin?.db.destroy()
  if (!databaseUrl) await closeSqliteWriter()
  await server?.destroy()
  removeTempDir(dataDir)
  await dropTestDatabase(databaseUrl)
})

let n = 0
/** Stores the session of a sign-in that checked `passwordHash`, as startSession does. */
async function storeSession(userId: number, passwordHash: string): Promise<{ started: boolean, idHash: string }> {
  const idHash = `race${String(++n).padStart(4, '0')}${'x'.repeat(40)}`
  const now = Date.now()
  const started = await insertSessionIfCurrent(await useWriteDb(), { idHash, userId, passwordHash, createdAt: now, expiresAt: now + DAY })
  return { started, idHash }
}

const sessionsOf = async (userId: number) => (await admin.db.selectFrom('sessions').select('id_hash').where('user_id', '=', userId).execute()).map(r => r.id_hash)

describe('a sign-in racing the operator', () => {
  it('stores the session when nothing happened since the password was checked', async () => {
    const ann = await createUser('ann_race', PASSWORD)
    const checked = (await checkCredentials('ann_race', PASSWORD))!
    const { started, idHash } = await storeSession(ann.id, checked.passwordHash)
    expect(started).toBe(true)
    expect(await sessionsOf(ann.id)).toEqual([idHash])
  })

  it('stores no session when reset-password committed after the check', async () => {
    const bob = await createUser('bob_race', PASSWORD)
    const checked = (await checkCredentials('bob_race', PASSWORD))!
    await resetPassword(admin.db, bob.id, await hashPassword('the-operators-one'), Date.now())
    expect((await storeSession(bob.id, checked.passwordHash)).started).toBe(false)
    expect(await sessionsOf(bob.id)).toEqual([])
  })

  it('stores no session when disable committed after the check', async () => {
    const cat = await createUser('cat_race', PASSWORD)
    const checked = (await checkCredentials('cat_race', PASSWORD))!
    await disableAccount(admin.db, cat.id, Date.now())
    expect((await storeSession(cat.id, checked.passwordHash)).started).toBe(false)
    expect(await sessionsOf(cat.id)).toEqual([])
  })

  it('stores no session when the insert runs while the reset\'s transaction is still open (it waits for the commit)', async () => {
    const dan = await createUser('dan_race', PASSWORD)
    const checked = (await checkCredentials('dan_race', PASSWORD))!
    const newHash = await hashPassword('the-operators-one')
    let pending: Promise<{ started: boolean }> | undefined
    // What resetPassword does, with the sign-in's insert let in between its writes and its commit.
    await writeTransaction(admin.db, async (trx) => {
      await trx.updateTable('users').set({ password_hash: newHash }).where('id', '=', dan.id).execute()
      await trx.deleteFrom('sessions').where('user_id', '=', dan.id).execute()
      pending = storeSession(dan.id, checked.passwordHash)
      pending.catch(() => {})
      await new Promise(resolve => setTimeout(resolve, 200))
    })
    expect((await pending!).started).toBe(false)
    expect(await sessionsOf(dan.id)).toEqual([])
  })
})
