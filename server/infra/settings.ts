import { useRuntimeConfig } from '#imports'
import { validateSettings } from '#shared/settings'
import type { Settings } from '#shared/settings'

/** The settings could not be validated: each problem is one line naming the variable. */
export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid settings:\n${problems.join('\n')}`)
  }
}

let cached: Settings | undefined

/**
 * The validated settings (shared/settings.ts) from Nuxt's runtime config. The start-up plugin reads
 * them first and stops the process when one is invalid, so everything after it can rely on them.
 */
export function useSettings(): Settings {
  if (cached) return cached
  const result = validateSettings(useRuntimeConfig() as unknown as Parameters<typeof validateSettings>[0])
  if (!result.ok) throw new SettingsError(result.problems)
  cached = result.settings
  return cached
}
