#!/usr/bin/env node
// The tests that need external services (issue: scale-out). Today: the whole contract suite with
// PostgreSQL as the database (NUXT_DATABASE_URL), each test file on a fresh database. Needs
// PostgreSQL at JIZHAN_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test) and a
// production build (made here when missing). Last line: `N passed, N failed`.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import pg from 'pg'

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
  console.error(`The cluster tests need a PostgreSQL server they can create databases on, at ${url}`)
  console.error(`(set JIZHAN_TEST_POSTGRES_URL to point elsewhere). Connecting failed: ${error.message}`)
  console.log('0 passed, 1 failed')
  process.exit(1)
}

const env = { ...process.env, NUXT_TELEMETRY_DISABLED: '1', JIZHAN_TEST_DATABASE: 'postgres' }
if (!existsSync('.output/server/index.mjs')) {
  const build = spawnSync('npx', ['nuxi', 'build'], { stdio: 'inherit', env })
  if (build.status !== 0) {
    console.log('0 passed, 1 failed')
    process.exit(1)
  }
}
mkdirSync('test-results', { recursive: true })
const report = 'test-results/vitest-cluster.json'
spawnSync('npx', ['vitest', 'run', '--project', 'contract', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], { stdio: 'inherit', env })
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
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
