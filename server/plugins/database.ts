import { useSessionSecret } from '../auth/secret'
import { useDb } from '../infra/db'
import { log } from '../infra/log'

/**
 * Opens the database and applies migrations at start-up, so a broken schema shows early. A
 * database that does not answer yet is not fatal: readiness says 503 until it does.
 */
export default defineNitroPlugin(() => {
  // The session secret too: generated into the data folder on the first start, not the first sign-in.
  useSessionSecret()
  useDb().catch((err) => {
    log.error('database unavailable', { err })
  })
})
