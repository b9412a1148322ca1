import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { hideInLogs } from '../infra/log'
import { useSettings } from '../infra/settings'

let cached: string | undefined

/**
 * The secret that keys session and ticket hashes. `NUXT_SESSION_SECRET` wins; otherwise one is
 * generated on first start and kept in the data folder, so sessions survive a restart.
 */
export function useSessionSecret(): string {
  if (cached) return cached
  const { sessionSecret, dataDir } = useSettings()
  cached = sessionSecret || loadOrCreateSecret(dataDir)
  // Whatever an error message might quote, this value never reaches the log.
  hideInLogs(cached)
  return cached
}

export function loadOrCreateSecret(dataDir: string): string {
  const dir = resolve(dataDir)
  const file = join(dir, 'session-secret')
  mkdirSync(dir, { recursive: true })
  try {
    // 'wx' fails if another process created it first; then we read theirs.
    writeFileSync(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 })
  }
  catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const secret = readFileSync(file, 'utf8').trim()
  if (secret.length < 32) throw new Error(`${file} holds a secret shorter than 32 characters; delete it to regenerate`)
  return secret
}
