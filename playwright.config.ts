import { execFileSync } from 'node:child_process'
import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumExecutable } from './tests/e2e/browser'
import { makeTempDir, removeTempDir } from './tests/support/tempDir'

// A free port, chosen once in the main process (workers inherit the variable): a fixed one would
// collide with another checkout's suite running on the same machine.
process.env.E2E_PORT ??= execFileSync(process.execPath, ['-e',
  'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { process.stdout.write(String(s.address().port)); s.close() })',
]).toString()
const port = Number(process.env.E2E_PORT)
// The config is evaluated in every worker too: create the data folder once, in the main process,
// and remove it when that process exits. Not in a globalTeardown: Playwright stops the webServer
// only after the global teardown, and the server must be gone before its folder is.
if (!process.env.JIZHAN_E2E_DATA_DIR) {
  const dataDir = process.env.JIZHAN_E2E_DATA_DIR = makeTempDir('e2e')
  process.once('exit', () => removeTempDir(dataDir))
}

/**
 * End-to-end tests drive the production build (.output) in Chromium: two browser contexts are two
 * people. Heartbeat and backoff are shortened so a dropped link is noticed within seconds.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  // Every spec in English; the chat spec in Chinese too (its steps read the words through t()).
  projects: [
    { name: 'en', use: { locale: 'en' } },
    { name: 'zh-CN', use: { locale: 'zh-CN' }, testMatch: /chat\.spec\.ts$/ },
  ],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: { executablePath: chromiumExecutable(), args: CHROMIUM_ARGS },
    trace: 'retain-on-failure',
  },
  webServer: {
    command: 'node .output/server/index.mjs',
    url: `http://127.0.0.1:${port}/login`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      NUXT_DATA_DIR: process.env.JIZHAN_E2E_DATA_DIR,
      // Warnings and errors only: a line per socket opened and closed would bury them.
      NUXT_LOG_LEVEL: 'warn',
      NUXT_HEARTBEAT_INTERVAL_MS: '1000',
      NUXT_HEARTBEAT_TIMEOUT_MS: '1000',
      NUXT_PUBLIC_RECONNECT_BASE_MS: '500',
      NUXT_PUBLIC_RECONNECT_CAP_MS: '2000',
    },
  },
})
