import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SETTINGS, describeSettings, envName, runtimeConfigDefaults, validateSettings } from '#shared/settings'
import type { SettingKey } from '#shared/settings'

const defaults = runtimeConfigDefaults()

describe('settings', () => {
  it('accepts the defaults as they are', () => {
    const result = validateSettings(defaults)
    expect(result.ok).toBe(true)
  })

  it('reads numbers given as numeric strings, as environment variables arrive', () => {
    const result = validateSettings({ ...defaults, heartbeatIntervalMs: '400', trustProxy: 'true' })
    expect(result.ok && [result.settings.heartbeatIntervalMs, result.settings.trustProxy]).toEqual([400, true])
  })

  it('takes text settings that arrive as numbers or booleans (Nitro parses the environment first) as their text', () => {
    const result = validateSettings({ ...defaults, dataDir: 2024, redisPrefix: true, allowedOrigins: '' })
    expect(result.ok && [result.settings.dataDir, result.settings.redisPrefix]).toEqual(['2024', 'true'])
  })

  it('names every invalid setting at once: the variable, the value and what is allowed', () => {
    const result = validateSettings({ ...defaults, wsMaxFrameBytes: -5, heartbeatIntervalMs: 'abc', trustProxy: 'maybe', public: { ...defaults.public, reconnectMaxAttempts: 0 } })
    expect(result.ok).toBe(false)
    const problems = result.ok ? [] : result.problems
    expect(problems).toHaveLength(4)
    expect(problems).toContain('NUXT_WS_MAX_FRAME_BYTES=-5 is not allowed: use a whole number from 1024 to 16777216 bytes')
    expect(problems).toContain('NUXT_HEARTBEAT_INTERVAL_MS="abc" is not allowed: use a whole number from 100 to 600000 ms')
    expect(problems).toContain('NUXT_TRUST_PROXY="maybe" is not allowed: use true or false')
    expect(problems).toContain('NUXT_PUBLIC_RECONNECT_MAX_ATTEMPTS=0 is not allowed: use a whole number from 1 to 1000')
  })

  it.each([
    ['a fraction', 2.5],
    ['an empty value', ''],
    ['a number with a unit', '25s'],
    ['a huge number', '1e400'],
  ])('refuses %s for a whole-number setting', (_, value) => {
    expect(validateSettings({ ...defaults, heartbeatTimeoutMs: value }).ok).toBe(false)
  })

  it('never repeats a secret in an error line', () => {
    const result = validateSettings({ ...defaults, sessionSecret: 'short-secret', databaseUrl: 'mysql://root:hunter2@db/x' })
    const text = result.ok ? '' : result.problems.join('\n')
    expect(text).toContain('NUXT_SESSION_SECRET=(hidden)')
    expect(text).not.toContain('short-secret')
    expect(text).not.toContain('hunter2')
  })

  it('checks settings against each other: the reconnect base may not exceed its cap', () => {
    const result = validateSettings({ ...defaults, public: { ...defaults.public, reconnectBaseMs: 5000, reconnectCapMs: 1000 } })
    expect(result.ok ? [] : result.problems).toEqual([expect.stringMatching(/NUXT_PUBLIC_RECONNECT_BASE_MS=5000 .* at most NUXT_PUBLIC_RECONNECT_CAP_MS/)])
  })

  it('refuses URLs of the wrong kind for the database and Redis, and junk in the origin list', () => {
    const result = validateSettings({ ...defaults, databaseUrl: 'mysql://x', redisUrl: 'http://x', allowedOrigins: 'https://ok.example,nope' })
    expect(result.ok ? [] : result.problems.map(p => p.split('=')[0])).toEqual(['NUXT_DATABASE_URL', 'NUXT_ALLOWED_ORIGINS', 'NUXT_REDIS_URL'])
  })

  it('takes an empty data folder as the default one', () => {
    const result = validateSettings({ ...defaults, dataDir: '' })
    expect(result.ok && result.settings.dataDir).toBe('.data')
  })

  it('prints the effective settings with secrets masked, keeping where a URL points', () => {
    const result = validateSettings({ ...defaults, databaseUrl: 'postgres://app:hunter2@db.internal:5432/chat', sessionSecret: 'x'.repeat(40) })
    const lines = result.ok ? describeSettings(result.settings) : []
    expect(lines).toContain('NUXT_DATABASE_URL=postgres://app:****@db.internal:5432/chat')
    expect(lines).toContain('NUXT_SESSION_SECRET=****')
    expect(lines.join('\n')).not.toMatch(/hunter2|xxxxxxxx/)
  })

  it('is the one source of defaults: the runtime config and the README table say the same', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    for (const key of Object.keys(SETTINGS) as SettingKey[]) {
      const row = readme.split('\n').find(line => line.startsWith(`| \`${envName(key)}\``))
      expect(row, `README has a row for ${envName(key)}`).toBeDefined()
      const spec = SETTINGS[key]
      expect(row, `README row of ${envName(key)} states what is allowed`).toContain(spec.allowed)
      const shown = spec.default === '' ? 'empty' : `\`${String(spec.default)}\``
      expect(row, `README row of ${envName(key)} states the default`).toContain(shown)
    }
    expect(defaults.heartbeatIntervalMs).toBe(SETTINGS.heartbeatIntervalMs.default)
  })
})
