/**
 * Every setting of Jizhan, defined once: its default, the values it allows (in words and as a
 * parser) and what it does. `nuxt.config.ts` takes its runtime-config defaults from here, the server
 * validates the runtime values against it once at start-up (all problems at once, exit code 1), the
 * browser store takes its reconnect defaults from here, and the README's configuration table says
 * the same (a unit test compares them).
 *
 * Each key `fooBar` is set by the environment variable `NUXT_FOO_BAR` (server) or
 * `NUXT_PUBLIC_FOO_BAR` (public: sent to the browser). Nuxt reads those at start-up, so changing a
 * setting needs no rebuild.
 */

export type Scope = 'server' | 'public'

export interface SettingSpec<T, S extends Scope = Scope> {
  /** Server-only, or public (sent to the browser in the page payload). */
  readonly scope: S
  readonly default: T
  /** The values allowed, in words: the end of the error line and the README's column. */
  readonly allowed: string
  /** Printed masked (`--check`) and never logged. */
  readonly secret?: boolean
  /** The value, or undefined when it is not allowed. */
  parse(raw: unknown): T | undefined
}

/** A whole number from `min` to `max`, given as a number or a numeric string. */
export function parseInteger(raw: unknown, min: number, max: number): number | undefined {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined
}

function integer<S extends Scope>(scope: S, value: number, min: number, max: number, unit = ''): SettingSpec<number, S> {
  const u = unit ? ` ${unit}` : ''
  return { scope, default: value, allowed: `a whole number from ${min} to ${max}${u}`, parse: raw => parseInteger(raw, min, max) }
}

function flag(value: boolean): SettingSpec<boolean, 'server'> {
  return {
    scope: 'server',
    default: value,
    allowed: 'true or false',
    parse(raw) {
      if (raw === true || raw === 'true' || raw === '1' || raw === 1) return true
      if (raw === false || raw === 'false' || raw === '0' || raw === 0) return false
      return undefined
    },
  }
}

/**
 * A text value as set. Nitro reads an environment value that looks like JSON as such before the
 * schema sees it (`NUXT_DATA_DIR=2024` arrives as a number, `NUXT_REDIS_PREFIX=true` as a
 * boolean): a text setting takes it back as its text. (A value written in double quotes arrives
 * exactly as written, e.g. `"1.50"`, which would otherwise read as 1.5.)
 */
function asText(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw
  return (typeof raw === 'number' && Number.isFinite(raw)) || typeof raw === 'boolean' ? String(raw) : undefined
}

function text(value: string, allowed: string, ok: (s: string) => boolean, secret = false): SettingSpec<string, 'server'> {
  return { scope: 'server', default: value, allowed, secret, parse: (raw) => {
    const s = asText(raw)
    return s !== undefined && ok(s) ? s : undefined
  } }
}

/** A folder path; set but empty means the default. */
function folder(value: string): SettingSpec<string, 'server'> {
  return { scope: 'server', default: value, allowed: 'a folder path (created if missing; must be writable)', parse: (raw) => {
    const s = asText(raw)
    return s === undefined ? undefined : s.trim() || value
  } }
}

function oneOf<const T extends string>(value: T, options: readonly T[]): SettingSpec<T, 'server'> {
  return {
    scope: 'server',
    default: value,
    allowed: `one of ${options.join(', ')}`,
    parse: raw => typeof raw === 'string' && (options as readonly string[]).includes(raw.toUpperCase()) ? raw.toUpperCase() as T : undefined,
  }
}

/** One of a few lower-case words (given in any case). */
function word<const T extends string>(value: T, options: readonly T[]): SettingSpec<T, 'server'> {
  return {
    scope: 'server',
    default: value,
    allowed: `one of ${options.join(', ')}`,
    parse: raw => typeof raw === 'string' && (options as readonly string[]).includes(raw.toLowerCase()) ? raw.toLowerCase() as T : undefined,
  }
}

const hasScheme = (s: string, schemes: readonly string[]) => {
  try {
    return schemes.includes(new URL(s).protocol)
  }
  catch {
    return false
  }
}

/** A comma-separated list of http(s) origins (blank entries ignored). */
export function parseOriginList(value: string): string[] | undefined {
  const origins: string[] = []
  for (const part of value.split(',').map(s => s.trim()).filter(Boolean)) {
    try {
      const url = new URL(part)
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
      origins.push(url.origin)
    }
    catch {
      return undefined
    }
  }
  return origins
}

const MINUTE = 60_000
const DAY_S = 86_400
/** Rate limits may be lifted far (benchmarks and tests do); a billion per second is "unlimited". */
const RATE_MAX = 1_000_000_000

export const SETTINGS = {
  dataDir: folder('.data'),
  databaseUrl: text('', 'empty (SQLite) or a postgres:// or postgresql:// URL', s => s === '' || hasScheme(s, ['postgres:', 'postgresql:']), true),
  sqliteSynchronous: oneOf<'FULL' | 'NORMAL'>('FULL', ['FULL', 'NORMAL']),
  sessionSecret: text('', 'empty (generated into the data folder) or at least 32 characters', s => s === '' || s.length >= 32, true),
  sessionMaxAgeSeconds: integer('server', 30 * DAY_S, 1, 3650 * DAY_S, 's'),
  ticketTtlSeconds: integer('server', 60, 1, 3600, 's'),
  allowedOrigins: text('', 'empty or comma-separated http(s) origins', s => parseOriginList(s) !== undefined),
  heartbeatIntervalMs: integer('server', 25_000, 100, 10 * MINUTE, 'ms'),
  heartbeatTimeoutMs: integer('server', 10_000, 100, 10 * MINUTE, 'ms'),
  wsMaxFrameBytes: integer('server', 64 * 1024, 1024, 16 * 1024 * 1024, 'bytes'),
  wsMaxInvalidFrames: integer('server', 10, 1, 10_000),
  wsFramesPerSecond: integer('server', 30, 1, RATE_MAX),
  wsFramesBurst: integer('server', 60, 1, RATE_MAX),
  messagesPerSecond: integer('server', 10, 1, RATE_MAX),
  messagesBurst: integer('server', 30, 1, RATE_MAX),
  wsMaxBufferedBytes: integer('server', 1024 * 1024, 16 * 1024, 1024 * 1024 * 1024, 'bytes'),
  wsReplayStallMs: integer('server', 30_000, 100, 3_600_000, 'ms'),
  wsMaxConnectionsPerUser: integer('server', 20, 1, 100_000),
  upgradesPerSecond: integer('server', 10, 1, RATE_MAX),
  upgradesBurst: integer('server', 60, 1, RATE_MAX),
  loginAttemptsPerUsernamePerMinute: integer('server', 10, 1, RATE_MAX),
  loginAttemptsPerAddressPerMinute: integer('server', 60, 1, RATE_MAX),
  storeQueueMax: integer('server', 10_000, 1, 10_000_000, 'messages'),
  groupMembersMax: integer('server', 1_000, 2, 100_000, 'members'),
  groupsPerUserMax: integer('server', 500, 1, 100_000, 'groups'),
  groupReceiptsCoalesceAt: integer('server', 100, 2, 100_000, 'members'),
  presenceCoalesceAt: integer('server', 100, 2, 1_000_000, 'people'),
  groupChangesPerMinute: integer('server', 60, 1, RATE_MAX),
  searchesPerMinute: integer('server', 30, 1, RATE_MAX),
  groupPeoplePerMinute: integer('server', 1_000, 1, RATE_MAX),
  redisUrl: text('', 'empty (one instance) or a redis:// or rediss:// URL', s => s === '' || hasScheme(s, ['redis:', 'rediss:']), true),
  redisPrefix: text('jizhan:', '1–64 characters without spaces', s => /^\S{1,64}$/.test(s)),
  redisLeaseMs: integer('server', 15_000, 300, 10 * MINUTE, 'ms'),
  shutdownDrainMs: integer('server', 5_000, 0, 10 * MINUTE, 'ms'),
  trustProxy: flag(false),
  metricsToken: text('', 'empty (no /metrics) or at least 16 characters', s => s === '' || s.length >= 16, true),
  logLevel: word<'debug' | 'info' | 'warn' | 'error'>('info', ['debug', 'info', 'warn', 'error']),
  logFormat: word<'auto' | 'json' | 'pretty'>('auto', ['auto', 'json', 'pretty']),
  messageRetentionDays: integer('server', 0, 0, 36_500, 'days'),
  reconnectBaseMs: integer('public', 1_000, 10, 10 * MINUTE, 'ms'),
  reconnectCapMs: integer('public', 30_000, 10, 60 * MINUTE, 'ms'),
  reconnectMaxAttempts: integer('public', 10, 1, 1000),
  connectTimeoutMs: integer('public', 10_000, 100, 10 * MINUTE, 'ms'),
} as const

export type SettingKey = keyof typeof SETTINGS
type ValueOf<S> = S extends SettingSpec<infer U, Scope> ? U : never
/** Every setting with its validated value. */
export type Settings = { -readonly [K in SettingKey]: ValueOf<(typeof SETTINGS)[K]> }
type ScopeKeys<S extends Scope> = { [K in SettingKey]: (typeof SETTINGS)[K]['scope'] extends S ? K : never }[SettingKey]
export type PublicSettings = Pick<Settings, ScopeKeys<'public'>>

/** The environment variable that sets `key`. */
export function envName(key: SettingKey): string {
  const snake = key.replace(/[A-Z]/g, c => `_${c}`).toUpperCase()
  return SETTINGS[key].scope === 'public' ? `NUXT_PUBLIC_${snake}` : `NUXT_${snake}`
}

function defaultsOf(scope: 'server' | 'public'): Record<string, unknown> {
  return Object.fromEntries(Object.entries(SETTINGS).filter(([, s]) => s.scope === scope).map(([k, s]) => [k, s.default]))
}

/** Nuxt's `runtimeConfig`: every setting at its default, public ones under `public`. */
export function runtimeConfigDefaults(): Record<string, unknown> & { public: Record<string, unknown> } {
  return { ...defaultsOf('server'), public: defaultsOf('public') }
}

/** The defaults of the public settings (what the browser uses when it is given nothing). */
export const PUBLIC_DEFAULTS = defaultsOf('public') as PublicSettings

export type SettingsResult = { ok: true, settings: Settings } | { ok: false, problems: string[] }

/** How a raw value reads in an error line: as the variable would have been written. */
function show(raw: unknown): string {
  return typeof raw === 'string' ? JSON.stringify(raw) : String(raw)
}

/**
 * Checks runtime config (`{ ...server, public: {...} }`, as Nuxt built it from the environment)
 * against the schema. Every invalid value is reported, each as one line naming the variable, the
 * value and what is allowed; a secret's value is never repeated.
 */
export function validateSettings(config: Record<string, unknown> & { public?: Record<string, unknown> }): SettingsResult {
  const settings: Record<string, unknown> = {}
  const problems: string[] = []
  for (const [key, spec] of Object.entries(SETTINGS) as Array<[SettingKey, SettingSpec<unknown>]>) {
    const raw = spec.scope === 'public' ? config.public?.[key] : config[key]
    const value = raw === undefined ? spec.default : spec.parse(raw)
    if (value === undefined) problems.push(`${envName(key)}=${spec.secret ? '(hidden)' : show(raw)} is not allowed: use ${spec.allowed}`)
    else settings[key] = value
  }
  const s = settings as Settings
  if (problems.length === 0 && s.reconnectBaseMs > s.reconnectCapMs) {
    problems.push(`${envName('reconnectBaseMs')}=${s.reconnectBaseMs} is not allowed: use at most ${envName('reconnectCapMs')} (${s.reconnectCapMs})`)
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, settings: s }
}

/** The settings as lines `NAME=value` for `--check`, secrets masked. */
export function describeSettings(settings: Settings): string[] {
  return (Object.keys(SETTINGS) as SettingKey[]).map((key) => {
    const spec = SETTINGS[key] as SettingSpec<unknown>
    const value = settings[key]
    return `${envName(key)}=${spec.secret && value !== '' ? mask(key, String(value)) : String(value)}`
  })
}

/** A secret shown without its secret part: a URL keeps its scheme and host, anything else is starred. */
function mask(key: SettingKey, value: string): string {
  if (key === 'databaseUrl' || key === 'redisUrl') {
    try {
      const url = new URL(value)
      if (url.password) url.password = '****'
      return url.href
    }
    catch {
      // fall through
    }
  }
  return '****'
}
