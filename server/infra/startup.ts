import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { EventEmitter } from 'node:events'
import { accessSync, constants, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import SQLite from 'better-sqlite3'
import { parseInteger, validateSettings } from '#shared/settings'
import type { Settings } from '#shared/settings'
import { sqliteFile } from './db'

/**
 * What start-up checks before the server serves anything: every setting against its schema, the
 * port, and the data folder. Each problem is one line naming the variable, the value and what is
 * allowed; all of them are reported at once. Exit codes: docs/deploy.md.
 */

/** The process exit codes (docs/deploy.md). */
export const ExitCode = {
  /** Stopped normally (SIGTERM/SIGINT drain finished, or `--check` found nothing wrong). */
  Ok: 0,
  /** Could not start: an invalid setting, an unusable data folder, a port that cannot be bound. */
  StartFailed: 1,
} as const

/** The port the production server will listen on, as Nitro reads it, or the problem. */
export function portProblem(env: NodeJS.ProcessEnv): string | null {
  const name = env.NITRO_PORT ? 'NITRO_PORT' : 'PORT'
  const raw = env.NITRO_PORT || env.PORT
  if (raw === undefined || raw === '') return null
  return parseInteger(raw, 0, 65535) === undefined ? `${name}=${JSON.stringify(raw)} is not allowed: use a whole number from 0 to 65535` : null
}

/**
 * Whether the data folder can be created and written: a probe file is written and removed. Only
 * checked when the folder is used: by SQLite, or for a session secret generated into it.
 */
export function dataDirProblem(settings: Pick<Settings, 'dataDir' | 'databaseUrl' | 'sessionSecret'>): string | null {
  if (settings.databaseUrl !== '' && settings.sessionSecret !== '') return null
  const dir = resolve(settings.dataDir)
  const probe = join(dir, `.write-test-${process.pid}`)
  try {
    mkdirSync(dir, { recursive: true })
    writeFileSync(probe, '')
    rmSync(probe)
    return null
  }
  catch (error) {
    const e = error as NodeJS.ErrnoException
    return `NUXT_DATA_DIR=${JSON.stringify(settings.dataDir)} is not usable: cannot create or write ${dir} (${e.code ?? e.message}); use a writable folder`
  }
}

/**
 * Whether the SQLite file, when there is one already, can be opened, read and written. One that
 * cannot (not a database, no permission) will not get better by waiting: without this check the
 * server would start and answer "not ready" for ever.
 */
export function sqliteFileProblem(settings: Pick<Settings, 'dataDir' | 'databaseUrl'>): string | null {
  if (settings.databaseUrl !== '') return null
  const file = sqliteFile(settings.dataDir)
  if (!existsSync(file)) return null
  try {
    accessSync(file, constants.R_OK | constants.W_OK)
    const db = new SQLite(file, { fileMustExist: true })
    try {
      // Reads the header and the schema: a file that is not a database fails here.
      db.pragma('schema_version')
    }
    finally {
      db.close()
    }
    return null
  }
  catch (error) {
    const e = error as { code?: string, message?: string }
    return `NUXT_DATA_DIR=${JSON.stringify(settings.dataDir)} is not usable: cannot open the database ${file} (${e.code ? `${e.code}: ` : ''}${e.message}); restore it, fix its permissions, or move it away to start with an empty one`
  }
}

/** Every problem that stops the start, in one list; the settings when there is none. */
export function startupCheck(config: Parameters<typeof validateSettings>[0], env: NodeJS.ProcessEnv): { problems: string[], settings?: Settings } {
  const result = validateSettings(config)
  const problems = result.ok ? [] : [...result.problems]
  const port = portProblem(env)
  if (port) problems.push(port)
  if (result.ok) {
    const dir = dataDirProblem(result.settings) ?? sqliteFileProblem(result.settings)
    if (dir) problems.push(dir)
  }
  return result.ok && problems.length === 0 ? { problems, settings: result.settings } : { problems }
}

/** The line for a listen that failed (a busy port, a port that needs privileges, an unknown host). */
export function listenProblem(error: NodeJS.ErrnoException, env: NodeJS.ProcessEnv): string | null {
  const port = env.NITRO_PORT || env.PORT || '3000'
  const host = env.NITRO_HOST || env.HOST || 'all interfaces'
  const why: Record<string, string> = {
    EADDRINUSE: 'the port is already in use; stop the other process or set PORT to a free port',
    EACCES: 'permission denied; ports below 1024 need privileges, set PORT to 1024 or above',
    EADDRNOTAVAIL: 'the address is not one of this machine\'s; set HOST to one of its addresses',
    ENOTFOUND: 'the host name does not resolve; set HOST to a name or address of this machine',
    EAI_AGAIN: 'the host name does not resolve; set HOST to a name or address of this machine',
  }
  if (error.syscall !== 'listen' && error.syscall !== 'getaddrinfo') return null
  const reason = why[error.code ?? ''] ?? `${error.code ?? ''} ${error.message}`.trim()
  return `cannot listen on ${host} port ${port}: ${reason}`
}

/** Published by Node once a server listens (net.Server, so Nitro's HTTP server too). */
const LISTENING = 'tracing:net.server.listen:asyncEnd'

/**
 * Nitro listens after the plugins ran and only logs a failed listen (it is uncaught): until a
 * server of this process listens, such a failure is handed to `onProblem` as its line. Once one
 * listens the watch ends, so an uncaught error of the running server (a library's failed DNS
 * lookup, say) is never taken for a failed start. Returns the undo.
 */
export function watchListen(env: NodeJS.ProcessEnv, onProblem: (problem: string) => void, proc: Pick<EventEmitter, 'on' | 'off'> = process): () => void {
  const onError = (error: NodeJS.ErrnoException) => {
    const problem = listenProblem(error, env)
    if (problem) onProblem(problem)
  }
  let watching = true
  const stop = () => {
    if (!watching) return
    watching = false
    proc.off('uncaughtException', onError)
    // Not while Node is calling this channel's subscribers (it would skip the next one).
    setImmediate(() => unsubscribe(LISTENING, stop))
  }
  proc.on('uncaughtException', onError)
  subscribe(LISTENING, stop)
  return stop
}
