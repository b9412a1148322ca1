/**
 * One log line, pure (no I/O, no clock): the levels, the guard that keeps secrets and user content
 * out, errors as fields, and the two formats. log.ts decides what is written and where.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
export type LogFormat = 'json' | 'pretty'
/** What a line says besides its message: ids, counts, codes, durations, `err`. */
export type LogFields = Record<string, unknown>

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/** Whether a line at `level` is written when the lowest level written is `min`. */
export function levelAllows(min: LogLevel, level: LogLevel): boolean {
  return RANK[level] >= RANK[min]
}

/** NUXT_LOG_FORMAT: `auto` is readable under `nuxi dev` and JSON everywhere else. */
export function resolveFormat(format: 'auto' | LogFormat, dev: boolean): LogFormat {
  return format === 'auto' ? (dev ? 'pretty' : 'json') : format
}

/** Colour only on a terminal (or when FORCE_COLOR asks for it), never when NO_COLOR is set. */
export function colorWanted(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  if (env.NO_COLOR) return false
  return (!!env.FORCE_COLOR && env.FORCE_COLOR !== '0') || isTTY
}

/** What a field named like a secret or user content is written as. */
export const REDACTED = '[redacted]'
/** What a known secret value (log.ts `hideInLogs`) or a URL's password is written as. */
export const HIDDEN = '[hidden]'

/** Parts of a field name that mark a secret wherever they appear (`sessionSecret`, `X_API_TOKEN`). */
const SECRET_PARTS = ['password', 'passwd', 'passphrase', 'secret', 'token', 'cookie', 'authori', 'ticket', 'credential', 'apikey', 'api_key']
/**
 * Whole words of a field name that mark a secret or user content (`text`, `messageText`, `name`,
 * `groupName`, `sessionHash`); whole words only, so `context` or `username` are not caught.
 */
const SENSITIVE_WORDS = new Set(['text', 'name', 'body', 'content', 'message', 'session', 'auth', 'pass', 'pwd'])

/** Field names seen so far and the verdict (the names are a small fixed set: code, not data). */
const verdicts = new Map<string, boolean>()

/** Whether a field of this name is never written (its value becomes `[redacted]`). */
export function isSensitiveKey(key: string): boolean {
  let sensitive = verdicts.get(key)
  if (sensitive !== undefined) return sensitive
  const lower = key.toLowerCase()
  sensitive = SECRET_PARTS.some(part => lower.includes(part))
    || key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).some(word => SENSITIVE_WORDS.has(word))
  if (verdicts.size < 1000) verdicts.set(key, sensitive)
  return sensitive
}

/** `scheme://user:password@host`: the password part, for any scheme (postgres, redis, …). */
const URL_CREDENTIALS = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]*):[^\s@/]+@/gi
/** Longest string written; a longer one is cut (a line must stay a line, not a dump). */
export const MAX_STRING = 4000
const MAX_DEPTH = 4
const MAX_ITEMS = 50

/** A string with every hidden value and URL password replaced, and cut at MAX_STRING. */
export function scrub(value: string, hidden: readonly string[]): string {
  let s = value
  for (const h of hidden) if (s.includes(h)) s = s.split(h).join(HIDDEN)
  if (s.includes('://')) s = s.replace(URL_CREDENTIALS, `$1:${HIDDEN}@`)
  return s.length > MAX_STRING ? `${s.slice(0, MAX_STRING)}…` : s
}

export interface ErrorFields { name: string, message: string, stack?: string, code?: string | number, cause?: unknown }

/**
 * An error as a field: name, message, stack, its `code` (Node, SQLite and PostgreSQL errors carry
 * one) and its cause. Anything else thrown is written as its text.
 */
export function errorFields(error: unknown, hidden: readonly string[], depth = 0): ErrorFields {
  if (!(error instanceof Error)) return { name: typeof error, message: scrub(String(error), hidden) }
  const out: ErrorFields = { name: error.name, message: scrub(error.message, hidden) }
  if (error.stack) out.stack = scrub(error.stack, hidden)
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string' || typeof code === 'number') out.code = code
  if (error.cause !== undefined && depth < 2) out.cause = errorFields(error.cause, hidden, depth + 1)
  return out
}

/** A value made safe to write: names redacted, strings scrubbed, errors and odd types as plain data. */
function safeValue(value: unknown, hidden: readonly string[], depth: number): unknown {
  if (typeof value === 'string') return scrub(value, hidden)
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value
  if (typeof value === 'bigint') return value.toString()
  if (typeof value !== 'object') return `[${typeof value}]`
  if (value instanceof Error) return errorFields(value, hidden)
  if (value instanceof Date) return value.toISOString()
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`
  if (depth >= MAX_DEPTH) return '[object]'
  if (Array.isArray(value)) return value.slice(0, MAX_ITEMS).map(v => safeValue(v, hidden, depth + 1))
  return safeFields(value as LogFields, hidden, depth + 1)
}

/**
 * The fields as they are written: a field named like a secret or user content (`isSensitiveKey`) is
 * `[redacted]` at any depth, `err` is an error's fields, undefined fields are left out.
 */
export function safeFields(fields: LogFields, hidden: readonly string[], depth = 0): LogFields {
  const out: LogFields = {}
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue
    if (isSensitiveKey(key)) out[key] = REDACTED
    else if (key === 'err' && depth === 0) out[key] = errorFields(value, hidden)
    else out[key] = safeValue(value, hidden, depth)
  }
  return out
}

export interface LogEntry {
  /** ms since the epoch */
  time: number
  level: LogLevel
  /** A short fixed phrase ("connection closed"); what varies goes in the fields. */
  msg: string
  fields?: LogFields
}

export interface LineOptions {
  format: LogFormat
  color: boolean
  /** This process's instance id, on every line. */
  instance: string
  /** Values never written (secrets), replaced by `[hidden]` wherever they appear. */
  hidden: readonly string[]
}

/** The base fields of every line; a field of the same name is written with a `_` in front. */
const BASE = new Set(['time', 'level', 'msg', 'instance'])

/** One line (no newline): a JSON object, or a readable line for a terminal. */
export function formatLine(entry: LogEntry, options: LineOptions): string {
  const fields = entry.fields ? safeFields(entry.fields, options.hidden) : {}
  const msg = scrub(entry.msg, options.hidden)
  if (options.format === 'pretty') return formatPretty(entry, msg, fields, options)
  const line: LogFields = { time: new Date(entry.time).toISOString(), level: entry.level, msg, instance: options.instance }
  for (const [key, value] of Object.entries(fields)) line[BASE.has(key) ? `_${key}` : key] = value
  return JSON.stringify(line)
}

const LEVEL_COLOR: Record<LogLevel, string> = { debug: '90', info: '32', warn: '33', error: '31' }

function paint(color: boolean, code: string, text: string): string {
  return color ? `\u001B[${code}m${text}\u001B[0m` : text
}

/** A field's value as `key=value` writes it: bare when it is one plain word or a number. */
function show(value: unknown): string {
  if (typeof value === 'string') return /^[\w.:/@+-]+$/.test(value) ? value : JSON.stringify(value)
  return JSON.stringify(value) ?? String(value)
}

/**
 * `12:00:00.000 INFO  connection closed user=12 code=1000 durationMs=5012 instance=…` (UTC time of
 * day), and an error's stack indented on the lines below.
 */
function formatPretty(entry: LogEntry, msg: string, fields: LogFields, { color, instance }: LineOptions): string {
  const parts = [
    paint(color, '2', new Date(entry.time).toISOString().slice(11, 23)),
    paint(color, LEVEL_COLOR[entry.level], entry.level.toUpperCase().padEnd(5)),
    msg,
  ]
  let stack = ''
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'err' && value && typeof value === 'object') {
      const { name, message, stack: trace, ...rest } = value as ErrorFields
      parts.push(`${paint(color, '2', 'err=')}${show(`${name}: ${message}`)}`)
      for (const [k, v] of Object.entries(rest)) parts.push(`${paint(color, '2', `err.${k}=`)}${show(v)}`)
      stack = trace ? `\n${trace.split('\n').slice(1).map(l => `    ${l.trim()}`).join('\n')}` : ''
      continue
    }
    parts.push(`${paint(color, '2', `${key}=`)}${show(value)}`)
  }
  parts.push(paint(color, '2', `instance=${instance}`))
  return parts.join(' ') + stack
}
