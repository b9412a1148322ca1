import { runtimeConfigDefaults } from '#shared/settings'

/**
 * What `#imports` gives server modules, for unit tests that run them in plain Node: the runtime
 * config at its defaults (shared/settings.ts), as Nuxt would build it with no NUXT_* variable set.
 * A test that needs another value sets it on this object before the module first reads it.
 */
export const runtimeConfig = runtimeConfigDefaults()

export function useRuntimeConfig() {
  return runtimeConfig
}
