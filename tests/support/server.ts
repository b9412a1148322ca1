import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setup, url, useTestContext } from '@nuxt/test-utils/e2e'
import { dropTestDatabase, testDatabaseEnv } from './database'
import { makeTempDir, removeTempDir } from './tempDir'

export const rootDir = fileURLToPath(new URL('../..', import.meta.url))

/** Short heartbeats so liveness is tested in about a second: silence limit = 2·400 + 300 ms. */
export const TEST_HEARTBEAT = { intervalMs: 400, timeoutMs: 300 }

/**
 * Rate limits out of the way: every test talks from 127.0.0.1 and sends in bursts. The limits
 * themselves are tested in limits.test.ts with small values.
 */
export const UNLIMITED = {
  NUXT_WS_FRAMES_PER_SECOND: '1000000',
  NUXT_WS_FRAMES_BURST: '1000000',
  NUXT_MESSAGES_PER_SECOND: '1000000',
  NUXT_MESSAGES_BURST: '1000000',
  NUXT_UPGRADES_PER_SECOND: '1000000',
  NUXT_UPGRADES_BURST: '1000000',
  NUXT_LOGIN_ATTEMPTS_PER_USERNAME_PER_MINUTE: '1000000',
  NUXT_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: '1000000',
  NUXT_GROUP_CHANGES_PER_MINUTE: '1000000',
  NUXT_GROUP_PEOPLE_PER_MINUTE: '1000000',
}

/**
 * Starts the production build (.output, built by the test command) on a random port, with its own
 * empty data folder (and database), for the test file that calls it; both are removed after it.
 */
export async function setupBuiltServer(env: Record<string, string> = {}) {
  const dataDir = makeTempDir('contract')
  const database = await testDatabaseEnv()
  await setup({
    rootDir,
    build: false,
    server: true,
    browser: false,
    nuxtConfig: { nitro: { output: { dir: join(rootDir, '.output') } } },
    env: {
      ...database,
      NUXT_DATA_DIR: dataDir,
      NUXT_HEARTBEAT_INTERVAL_MS: String(TEST_HEARTBEAT.intervalMs),
      NUXT_HEARTBEAT_TIMEOUT_MS: String(TEST_HEARTBEAT.timeoutMs),
      ...UNLIMITED,
      ...env,
    },
  })
  // test-utils runs its teardown hooks after it has stopped the server.
  ;(useTestContext().teardown ??= []).push(async () => {
    removeTempDir(dataDir)
    await dropTestDatabase(database.NUXT_DATABASE_URL)
  })
  return { dataDir, databaseUrl: database.NUXT_DATABASE_URL }
}

export const httpUrl = (path: string) => url(path)
export const wsUrl = () => url('/_ws').replace(/^http/, 'ws')
