import { randomBytes } from 'node:crypto'
import { checkPostgres, createDatabase } from './postgres.mjs'
import { checkRedis, createPrefix } from './redis.mjs'
import { SERVERS } from './servers.mjs'

/**
 * The external services of the kinds that need them (SERVERS[kind].needs): a fresh PostgreSQL
 * database per kind, a fresh Redis key prefix and one session secret shared by a cluster's
 * instances. A kind whose services do not answer is left out with one line, never failing the run
 * (a user's machine may have neither). Answers `{ kinds, skipped: { kind: why }, envOf(kind),
 * release() }`; `release` drops the databases and the keys.
 */
export async function provideServices(kinds, log) {
  const needed = new Set(kinds.flatMap(k => SERVERS[k].needs ?? []))
  const missing = {}
  if (needed.has('postgres')) missing.postgres = await checkPostgres()
  if (needed.has('redis')) missing.redis = await checkRedis()

  const env = {}
  const releases = []
  const available = []
  const skipped = {}
  for (const kind of kinds) {
    const needs = SERVERS[kind].needs ?? []
    const why = needs.map(n => missing[n]).filter(Boolean)
    if (why.length > 0) {
      skipped[kind] = why.join('; ')
      continue
    }
    env[kind] = {}
    if (needs.includes('postgres')) {
      try {
        const db = await createDatabase()
        releases.push(db.drop)
        env[kind].NUXT_DATABASE_URL = db.url
      }
      catch (error) {
        skipped[kind] = `could not create a PostgreSQL database: ${error.message}`
        continue
      }
    }
    if (needs.includes('redis')) {
      const keys = createPrefix()
      releases.push(keys.remove)
      Object.assign(env[kind], { NUXT_REDIS_URL: keys.url, NUXT_REDIS_PREFIX: keys.prefix, NUXT_SESSION_SECRET: randomBytes(32).toString('hex') })
    }
    available.push(kind)
  }
  if (Object.keys(skipped).length > 0) log(`skipping ${Object.keys(skipped).join(', ')}: ${[...new Set(Object.values(skipped).flatMap(w => w.split('; ')))].join('; ')}`)
  return {
    kinds: available,
    skipped,
    envOf: kind => env[kind] ?? {},
    async release() {
      const results = await Promise.allSettled(releases.map(r => r()))
      for (const r of results) if (r.status === 'rejected') log(`cleanup failed: ${r.reason?.message ?? r.reason}`)
    },
  }
}
