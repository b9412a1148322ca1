import { applyEnv } from 'nitropack/runtime/internal/utils.env'
import { runtimeConfigDefaults, validateSettings } from '#shared/settings'
import type { Settings } from '#shared/settings'
import { AdminError } from './errors'

/**
 * The settings as the server reads them from this process's environment: Nitro's own applyEnv
 * over the same defaults (shared/settings.ts) with the prefixes of a Nuxt server (NITRO_… before
 * NUXT_…), values read as Nitro reads them (`NUXT_DATA_DIR=2024` arrives as a number, and so on),
 * then the same validation. Invalid settings stop the command as they would stop the server.
 */
export function settingsFromEnv(): Settings {
  const config = applyEnv(runtimeConfigDefaults(), { prefix: 'NITRO_', altPrefix: 'NUXT_', envExpansion: false })
  const result = validateSettings(config)
  if (!result.ok) throw new AdminError('invalid_settings', `The settings are not valid (the server would not start with them either):\n${result.problems.join('\n')}`)
  return result.settings
}
