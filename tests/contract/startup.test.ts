import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { dropTestDatabase, testDatabaseEnv } from '../support/database'
import { logRecords, startupProblems } from '../support/logLines'
import { freePort, occupyPort, runUntilExit } from '../support/serverProcess'
import { makeTempDir, removeTempDir } from '../support/tempDir'

/**
 * Start-up that fails loudly (docs/deploy.md, exit codes): the production build started with a bad
 * setting, a busy port or an unusable data folder stops with exit code 1 and a line that names the
 * problem (a JSON log line `start-up problem`, the text in its `problem` field), instead of running
 * with something else or hanging. Runs on SQLite in `npm test` and on PostgreSQL in
 * `npm run test:cluster`.
 */
const dataDir = makeTempDir('startup')
const database = await testDatabaseEnv()
afterAll(async () => {
  removeTempDir(dataDir)
  await dropTestDatabase(database.NUXT_DATABASE_URL)
})

async function baseEnv(): Promise<Record<string, string>> {
  return { NUXT_DATA_DIR: dataDir, PORT: String(await freePort()), ...database }
}

describe('start-up with invalid settings', () => {
  it('stops with exit code 1 and names every invalid setting at once, with the value and what is allowed', async () => {
    const run = await runUntilExit({ ...await baseEnv(), NUXT_WS_MAX_FRAME_BYTES: '-5', NUXT_HEARTBEAT_INTERVAL_MS: 'abc', NUXT_TRUST_PROXY: 'maybe' })
    expect(run.timedOut).toBe(false)
    expect(run.code).toBe(1)
    expect(startupProblems(run.output)).toContain('NUXT_WS_MAX_FRAME_BYTES=-5 is not allowed: use a whole number from 1024 to 16777216 bytes')
    expect(startupProblems(run.output)).toContain('NUXT_HEARTBEAT_INTERVAL_MS="abc" is not allowed: use a whole number from 100 to 600000 ms')
    expect(startupProblems(run.output)).toContain('NUXT_TRUST_PROXY="maybe" is not allowed: use true or false')
    expect(run.output).not.toContain('Listening on')
  })

  it('stops on a port that is not a port', async () => {
    const run = await runUntilExit({ ...await baseEnv(), PORT: 'eighty' })
    expect(run.code).toBe(1)
    expect(startupProblems(run.output)).toContain('PORT="eighty" is not allowed: use a whole number from 0 to 65535')
  })

  it('logs its problems as JSON lines even when the log settings themselves are invalid', async () => {
    const run = await runUntilExit({ ...await baseEnv(), NUXT_LOG_FORMAT: 'xml', NUXT_LOG_LEVEL: 'loud' })
    expect(run.code).toBe(1)
    expect(startupProblems(run.output)).toContain('NUXT_LOG_FORMAT="xml" is not allowed: use one of auto, json, pretty')
    expect(startupProblems(run.output)).toContain('NUXT_LOG_LEVEL="loud" is not allowed: use one of debug, info, warn, error')
    const lines = run.output.split('\n').filter(Boolean)
    expect(logRecords(run.output)).toHaveLength(lines.length)
    expect(logRecords(run.output).at(-1)).toMatchObject({ level: 'error', msg: 'not started', problems: 2 })
  })

  it('never prints a secret it refuses', async () => {
    const run = await runUntilExit({ ...await baseEnv(), NUXT_SESSION_SECRET: 'tooshort-but-secret' })
    expect(run.code).toBe(1)
    expect(startupProblems(run.output)).toContain('NUXT_SESSION_SECRET=(hidden) is not allowed')
    expect(run.output).not.toContain('tooshort-but-secret')
  })
})

describe('start-up that cannot serve', () => {
  it('stops with exit code 1 when the port is taken, naming the port', async () => {
    const taken = await occupyPort()
    try {
      const run = await runUntilExit({ ...await baseEnv(), PORT: String(taken.port) })
      expect(run.timedOut).toBe(false)
      expect(run.code).toBe(1)
      expect(startupProblems(run.output)).toContain(`cannot listen on 127.0.0.1 port ${taken.port}: the port is already in use`)
    }
    finally {
      await taken.close()
    }
  })

  it('stops with exit code 1 when the data folder cannot be created', async () => {
    // Under a regular file: no folder can be made there, even by root.
    const blocked = join(dataDir, 'a-file')
    writeFileSync(blocked, '')
    const run = await runUntilExit({ ...await baseEnv(), NUXT_DATA_DIR: join(blocked, 'data') })
    expect(run.timedOut).toBe(false)
    expect(run.code).toBe(1)
    expect(startupProblems(run.output)).toMatch(/NUXT_DATA_DIR=".*a-file\/data" is not usable: cannot create or write .* \(ENOTDIR\); use a writable folder/)
  })
})

describe('start-up with a database file it cannot use', () => {
  it.skipIf(database.NUXT_DATABASE_URL)('stops with exit code 1 when the SQLite file is not a database, instead of never getting ready', async () => {
    const folder = join(dataDir, 'not-a-database')
    mkdirSync(folder)
    writeFileSync(join(folder, 'jizhan.sqlite'), 'these bytes are not an SQLite database, whatever the name says')
    const run = await runUntilExit({ ...await baseEnv(), NUXT_DATA_DIR: folder })
    expect(run.timedOut).toBe(false)
    expect(run.code).toBe(1)
    expect(startupProblems(run.output)).toMatch(/NUXT_DATA_DIR=".*not-a-database" is not usable: cannot open the database .*jizhan\.sqlite \(SQLITE_NOTADB: file is not a database\)/)
  })
})

describe('npm start -- --check', () => {
  it('prints the effective settings with secrets masked and exits 0 without serving', async () => {
    const env: Record<string, string> = { ...await baseEnv(), NUXT_SESSION_SECRET: 's'.repeat(40), NUXT_HEARTBEAT_INTERVAL_MS: '30000' }
    const run = await runUntilExit(env, ['--check'])
    expect(run.code).toBe(0)
    expect(run.output).toContain('NUXT_HEARTBEAT_INTERVAL_MS=30000')
    expect(run.output).toContain('NUXT_SESSION_SECRET=****')
    expect(run.output).toContain(`PORT=${env.PORT}`)
    expect(run.output).not.toContain('s'.repeat(40))
    expect(run.output).not.toContain('Listening on')
    if (env.NUXT_DATABASE_URL) expect(run.output).not.toContain(new URL(env.NUXT_DATABASE_URL).password || '\u0000')
  })

  it('takes a text setting that Nitro read as a boolean or a number as its text', async () => {
    const run = await runUntilExit({ ...await baseEnv(), NUXT_REDIS_PREFIX: 'true' }, ['--check'])
    expect(run.code).toBe(0)
    expect(run.output).toContain('NUXT_REDIS_PREFIX=true')
  })

  it('exits 1 with the problems when a setting is invalid', async () => {
    const run = await runUntilExit({ ...await baseEnv(), NUXT_REDIS_LEASE_MS: '10' }, ['--check'])
    expect(run.code).toBe(1)
    expect(startupProblems(run.output)).toContain('NUXT_REDIS_LEASE_MS=10 is not allowed: use a whole number from 300 to 600000 ms')
  })
})
