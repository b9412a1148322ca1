import { existsSync } from 'node:fs'
import { chromium } from '@playwright/test'

/** Flags a system Chromium needs to run as root, headless, on a machine without a network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]

const SYSTEM_CHROMIUMS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome']

/**
 * Which Chromium the end-to-end tests launch: JIZHAN_CHROMIUM_PATH when set; else Playwright's own
 * browser when `npx playwright install chromium` put it there (undefined = Playwright's default);
 * else a system Chromium.
 */
export function chromiumExecutable(): string | undefined {
  const override = process.env.JIZHAN_CHROMIUM_PATH
  if (override) {
    if (!existsSync(override)) throw new Error(`JIZHAN_CHROMIUM_PATH=${override} does not exist`)
    return override
  }
  try {
    if (existsSync(chromium.executablePath())) return undefined
  }
  catch {
    // Playwright knows no browser for this platform; fall through to the system ones.
  }
  const system = SYSTEM_CHROMIUMS.find(p => existsSync(p))
  if (system) return system
  throw new Error('No Chromium found for the end-to-end tests. Run `npx playwright install chromium`, '
    + 'install a system Chromium, or set JIZHAN_CHROMIUM_PATH to a Chromium executable.')
}
