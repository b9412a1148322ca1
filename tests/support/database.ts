import pg from 'pg'

/** The PostgreSQL server the cluster tests use (CI's machine has one on 127.0.0.1:5432). */
export const TEST_POSTGRES_URL = process.env.JIZHAN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** Prefix of every test database; a run's own (JIZHAN_TEST_RUN, set by the test scripts) follow it. */
export const TEST_DATABASE_PREFIX = 'jizhan_test_'

let counter = 0

async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL })
  try {
    await admin.connect()
  }
  catch (error) {
    throw new Error(`The cluster tests need PostgreSQL at ${TEST_POSTGRES_URL} (set JIZHAN_TEST_POSTGRES_URL): ${String(error)}`)
  }
  try {
    return await work(admin)
  }
  finally {
    await admin.end()
  }
}

/**
 * With JIZHAN_TEST_DATABASE=postgres (set by `npm run test:cluster`), a fresh PostgreSQL database
 * for the calling test file, as the server's NUXT_DATABASE_URL; otherwise nothing (SQLite). Whoever
 * asks for one drops it (dropTestDatabase) once its servers are stopped. `icuLocale` gives the
 * database that linguistic collation (as a production database may have) instead of the server's.
 */
export async function testDatabaseEnv(options: { icuLocale?: string } = {}): Promise<Record<string, string>> {
  if (process.env.JIZHAN_TEST_DATABASE !== 'postgres') return {}
  const run = process.env.JIZHAN_TEST_RUN ? `${process.env.JIZHAN_TEST_RUN}_` : ''
  const name = `${TEST_DATABASE_PREFIX}${run}${process.pid}_${Date.now() % 1_000_000}_${++counter}`
  const collation = options.icuLocale ? ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '${options.icuLocale}'` : ''
  await withAdmin(admin => admin.query(`CREATE DATABASE ${name}${collation}`))
  const url = new URL(TEST_POSTGRES_URL)
  url.pathname = `/${name}`
  return { NUXT_DATABASE_URL: url.href }
}

/** Drops a database made by testDatabaseEnv (its URL), closing what is still connected to it. */
export async function dropTestDatabase(databaseUrl: string | undefined): Promise<void> {
  const name = databaseUrl && new URL(databaseUrl).pathname.slice(1)
  if (!name?.startsWith(TEST_DATABASE_PREFIX)) return
  await withAdmin(admin => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))
}
