import pg from 'pg'

/** The PostgreSQL server the cluster tests use (CI's machine has one on 127.0.0.1:5432). */
export const TEST_POSTGRES_URL = process.env.JIZHAN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

let counter = 0

/**
 * With JIZHAN_TEST_DATABASE=postgres (set by `npm run test:cluster`), a fresh PostgreSQL database
 * for the calling test file, as the server's NUXT_DATABASE_URL; otherwise nothing (SQLite).
 */
export async function testDatabaseEnv(): Promise<Record<string, string>> {
  if (process.env.JIZHAN_TEST_DATABASE !== 'postgres') return {}
  const name = `jizhan_test_${process.pid}_${Date.now() % 1_000_000}_${++counter}`
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL })
  try {
    await admin.connect()
  }
  catch (error) {
    throw new Error(`The cluster tests need PostgreSQL at ${TEST_POSTGRES_URL} (set JIZHAN_TEST_POSTGRES_URL): ${String(error)}`)
  }
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  }
  finally {
    await admin.end()
  }
  const url = new URL(TEST_POSTGRES_URL)
  url.pathname = `/${name}`
  return { NUXT_DATABASE_URL: url.href }
}
