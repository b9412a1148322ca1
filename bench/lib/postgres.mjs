import { randomBytes } from 'node:crypto'
import pg from 'pg'

/**
 * Fresh PostgreSQL databases for the bench's `jizhan-pg` and `jizhan-cluster` servers, created on
 * the admin URL's server (the same one `npm run test:cluster` uses) and dropped at the end of the
 * run. Names carry the creating process id, so a later run drops what a killed run left behind.
 */
export const POSTGRES_ADMIN_URL = process.env.JIZHAN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

const PREFIX = 'jizhan_bench_'

async function withAdmin(adminUrl, job) {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 })
  await client.connect()
  try {
    return await job(client)
  }
  finally {
    await client.end()
  }
}

/** Whether process `pid` still runs (EPERM: it runs, as another user). */
export function alive(pid) {
  try {
    process.kill(pid, 0)
    return true
  }
  catch (error) {
    return error.code === 'EPERM'
  }
}

/**
 * Connects, drops databases of earlier bench runs whose process is gone, and answers undefined
 * when PostgreSQL answered, else why not (one line).
 */
export async function checkPostgres(adminUrl = POSTGRES_ADMIN_URL) {
  try {
    await withAdmin(adminUrl, async (client) => {
      const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE '${PREFIX}%'`)
      for (const { datname } of rows) {
        const pid = Number(datname.slice(PREFIX.length).split('_')[0])
        if (!alive(pid)) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`)
      }
    })
    return undefined
  }
  catch (error) {
    return `PostgreSQL is not reachable at ${redact(adminUrl)} (set JIZHAN_TEST_POSTGRES_URL): ${error.message}`
  }
}

/** A new empty database: `{ url, drop() }` (drop closes whatever is still connected to it). */
export async function createDatabase(adminUrl = POSTGRES_ADMIN_URL) {
  const name = `${PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`
  await withAdmin(adminUrl, client => client.query(`CREATE DATABASE "${name}"`))
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.href,
    drop: () => withAdmin(adminUrl, client => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  }
}

/** The URL without its password, for messages. */
function redact(url) {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.href
  }
  catch {
    return '(invalid URL)'
  }
}
