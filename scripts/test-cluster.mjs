#!/usr/bin/env node
// The tests that need external services (issue: scale-out):
// - the whole contract suite with PostgreSQL as the database, each test file on a fresh database;
// - tests/cluster: two instances on PostgreSQL and Redis behind nginx (configured as docs/deploy.md
//   says): relay, presence, sign-out across instances, SIGKILL and SIGTERM of one instance.
// Needs PostgreSQL (JIZHAN_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test), Redis
// (JIZHAN_TEST_REDIS_URL, default redis://127.0.0.1:6379), nginx on the PATH (or JIZHAN_NGINX) and a
// production build (made here when missing). Last line: `N passed, N failed` (temp folders or
// databases the tests left behind count as a failure).
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import Redis from 'ioredis'
import pg from 'pg'
import { createRunTmp, finishRunTmp } from './runTmp.mjs'

const missing = []
const url = process.env.JIZHAN_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
try {
  await client.connect()
  // Databases left by earlier runs (each test file creates one) are dropped first.
  const { rows } = await client.query(`SELECT datname FROM pg_database WHERE datname LIKE 'jizhan_test_%'`)
  for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`)
  await client.end()
}
catch (error) {
  missing.push(`a PostgreSQL server they can create databases on, at ${url} (set JIZHAN_TEST_POSTGRES_URL to point elsewhere); connecting failed: ${error.message}`)
}

const redisUrl = process.env.JIZHAN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null })
redis.on('error', () => {})
try {
  await redis.connect()
  // Keys left by earlier runs (each cluster test uses its own prefix) are removed first.
  const stale = await redis.keys('jizhan-test:*')
  if (stale.length > 0) await redis.del(...stale)
  await redis.quit()
}
catch (error) {
  redis.disconnect()
  missing.push(`Redis at ${redisUrl} (set JIZHAN_TEST_REDIS_URL to point elsewhere); connecting failed: ${error.message}`)
}

const nginx = process.env.JIZHAN_NGINX ?? 'nginx'
if (spawnSync(nginx, ['-v']).status !== 0) {
  missing.push(`nginx (Debian: apt-get install nginx; or set JIZHAN_NGINX to its path); "${nginx} -v" did not run`)
}

if (missing.length > 0) {
  console.error('The cluster tests need:')
  for (const m of missing) console.error(`- ${m}`)
  console.log('0 passed, 1 failed')
  process.exit(1)
}

// This run's databases are named jizhan_test_<run>_… (tests/support/database.ts), so the check
// below sees only them.
const runId = randomBytes(4).toString('hex')
const env = { ...process.env, NUXT_TELEMETRY_DISABLED: '1', JIZHAN_TEST_DATABASE: 'postgres', JIZHAN_TEST_RUN: runId }
if (!existsSync('.output/server/index.mjs')) {
  const build = spawnSync('npx', ['nuxi', 'build'], { stdio: 'inherit', env })
  if (build.status !== 0) {
    console.log('0 passed, 1 failed')
    process.exit(1)
  }
}
mkdirSync('test-results', { recursive: true })
const report = 'test-results/vitest-cluster.json'
const runTmp = createRunTmp()
spawnSync('npx', ['vitest', 'run', '--project', 'storage', '--project', 'contract', '--project', 'cluster', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], { stdio: 'inherit', env: { ...env, TMPDIR: runTmp } })
let passed = 0
let failed = 0
try {
  const result = JSON.parse(readFileSync(report, 'utf8'))
  passed = result.numPassedTests
  failed = result.numFailedTests + result.testResults.filter(f => f.status === 'failed' && f.assertionResults.every(t => t.status !== 'failed')).length
  if (result.numTotalTests === 0) failed++
}
catch {
  failed = 1
}

const leftBehind = finishRunTmp(runTmp)
if (leftBehind.length > 0) {
  console.log(`FAIL temp folders: the tests left ${leftBehind.length} behind: ${leftBehind.join(', ')}`)
  failed++
}
const check = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
try {
  await check.connect()
  const { rows } = await check.query('SELECT datname FROM pg_database WHERE datname LIKE $1', [`jizhan\\_test\\_${runId}\\_%`])
  if (rows.length > 0) {
    console.log(`FAIL databases: the tests left ${rows.length} behind: ${rows.map(r => r.datname).join(', ')}`)
    failed++
  }
}
catch (error) {
  console.log(`FAIL databases: could not check for leftovers: ${error.message}`)
  failed++
}
finally {
  await check.end().catch(() => {})
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
