import { defineConfig } from '@playwright/test'
import base from './playwright.config'

/**
 * `npm run screenshots`: the main views at 1280 and 375 px in both languages, written to
 * docs/screenshots/ to be looked at (not compared: they are for people, not a test).
 */
export default defineConfig({
  ...base,
  testDir: 'tests/screenshots',
  projects: [{ name: 'screenshots' }],
  reporter: [['list']],
  timeout: 120_000,
})
