import { isatty } from 'node:tty'
import { SETTINGS } from '#shared/settings'
import { instanceId } from './instance'
import { colorWanted, formatLine, levelAllows, resolveFormat } from './logLine'
import type { LineOptions, LogFields, LogLevel } from './logLine'

/**
 * The server's log: `log.info('connection closed', { user, code, durationMs })`. A message is a
 * short fixed phrase; what varies goes in fields; an error goes in `err`. Never put a secret, a
 * token, a cookie, a password or what people wrote (message text, group names) in a field: fields
 * named like those are redacted anyway (logLine.ts), and known secret values are hidden.
 *
 * Lines at `error` and `warn` go to stderr, `info` and `debug` to stdout, each written at once
 * (synchronous on Linux pipes and terminals, so a line logged just before `process.exit` is out).
 * Format and level: NUXT_LOG_FORMAT, NUXT_LOG_LEVEL (docs/operations.md "Logs").
 */

export interface LogOptions extends LineOptions {
  /** The lowest level written. */
  level: LogLevel
}

// Until the start-up plugin configures it (it runs first): JSON at `info`.
const hidden: string[] = []
const options: LogOptions = { level: 'info', format: 'json', color: false, instance: instanceId, hidden }

/** Where a line goes; replaced by tests. */
export type LogSink = (level: LogLevel, line: string) => void

const stdSink: LogSink = (level, line) => {
  (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(`${line}\n`)
}
let sink = stdSink

/** Sets the level, format, colour, instance or hidden values (those are added to, not replaced). */
export function configureLog(changes: Partial<LogOptions>): void {
  const { hidden: more, ...rest } = changes
  Object.assign(options, rest)
  if (more) hideInLogs(...more)
}

/** The options now in force (for the SQLite writer thread, which logs with the same ones). */
export function logOptions(): LogOptions {
  return { ...options, hidden: [...options.hidden] }
}

/** Values shorter than this are not hidden in every string (they would mangle ordinary words). */
const MIN_HIDDEN_LENGTH = 6

/**
 * Values never to appear in a line, wherever they would (a secret inside an error message, say):
 * the session secret, the metrics token, database and Redis passwords.
 */
export function hideInLogs(...values: Array<string | undefined>): void {
  for (const value of values) {
    if (value && value.length >= MIN_HIDDEN_LENGTH && !hidden.includes(value)) hidden.push(value)
  }
}

/** Replaces where lines go (tests); returns the undo. */
export function setLogSink(next: LogSink): () => void {
  sink = next
  return () => void (sink = stdSink)
}

/**
 * Configures the log from Nuxt's runtime config, reading only its own two settings, leniently: a
 * start whose settings are invalid still logs its problems in the chosen format (a value that is
 * not allowed falls back to the default, and is itself one of the problems). Every secret setting's
 * value, and the password of a secret URL, is hidden from then on.
 */
export function configureLogFromConfig(config: Record<string, unknown>, dev: boolean, env: Record<string, string | undefined> = process.env): void {
  const level = SETTINGS.logLevel.parse(config.logLevel) ?? SETTINGS.logLevel.default
  const format = resolveFormat(SETTINGS.logFormat.parse(config.logFormat) ?? SETTINGS.logFormat.default, dev)
  // The descriptors, not process.stdout.isTTY: under `nuxi dev` the server runs in a worker
  // thread, whose process.stdout is a pipe to the main thread even when fd 1 is a terminal.
  const color = format === 'pretty' && colorWanted(env, isatty(1) && isatty(2))
  configureLog({ level, format, color, hidden: secretValues(config) })
}

function secretValues(config: Record<string, unknown>): string[] {
  const values: string[] = []
  for (const [key, spec] of Object.entries(SETTINGS)) {
    const raw = config[key]
    if (!('secret' in spec && spec.secret) || typeof raw !== 'string' || raw === '') continue
    values.push(raw)
    try {
      const { password } = new URL(raw)
      if (password) values.push(password, decodeURIComponent(password))
    }
    catch {
      // not a URL: the whole value is the secret
    }
  }
  return values
}

function write(level: LogLevel, msg: string, fields?: LogFields): void {
  if (!levelAllows(options.level, level)) return
  try {
    sink(level, formatLine({ time: Date.now(), level, msg, fields }, options))
  }
  catch {
    // A log line must never take the server down (a closed stdout, a field that cannot be read).
  }
}

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
  /** Whether lines at this level are written: skip building the fields of one that is not. */
  enabled(level: LogLevel): boolean
}

export const log: Logger = {
  debug: (msg, fields) => write('debug', msg, fields),
  info: (msg, fields) => write('info', msg, fields),
  warn: (msg, fields) => write('warn', msg, fields),
  error: (msg, fields) => write('error', msg, fields),
  enabled: level => levelAllows(options.level, level),
}
