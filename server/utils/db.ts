import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import type { Database } from '../database/schema'
import { migrationProvider } from '../database/migrations'

let ready: Promise<Kysely<Database>> | undefined

/** Opens the embedded SQLite database under `dataDir` and applies pending migrations. */
export async function openDatabase(dataDir: string): Promise<Kysely<Database>> {
  const dir = resolve(dataDir)
  mkdirSync(dir, { recursive: true })
  const sqlite = new SQLite(join(dir, 'jizhan.sqlite'))
  // WAL lets readers proceed during a write; foreign keys are off by default in SQLite.
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('foreign_keys = ON')
  // better-sqlite3 is built with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1: a reopened WAL database runs at
  // NORMAL, which survives a process crash but not a power cut. FULL syncs the WAL on every commit,
  // which the delivery guarantee in docs/architecture.md relies on.
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('busy_timeout = 5000')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) })
  await migrate(db)
  return db
}

/** Applies every pending migration; throws with the failing migration's error. */
export async function migrate(db: Kysely<Database>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest()
  const failed = results?.find(r => r.status === 'Error')
  if (error) throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error })
}

/** The app's database, opened (and migrated) once on first use. */
export function useDb(): Promise<Kysely<Database>> {
  ready ??= openDatabase(useRuntimeConfig().dataDir).catch((error) => {
    ready = undefined
    throw error
  })
  return ready
}
