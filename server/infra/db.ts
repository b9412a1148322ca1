import { mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely'
import pg from 'pg'
import { watchPostgresPool } from '../metrics/postgresPool'
import type { Database } from './database/schema'
import { migrationProvider } from './database/migrations'
import { hasRowLocks, sqliteFile } from './database/basics'
import { log } from './log'
import { useSettings } from './settings'
import { withStatementCache } from './statementCache'

// (In its own module so the operator's command line uses it without the server's settings.)
export { hasRowLocks, sqliteFile }

/** How SQLite syncs its WAL: FULL on every commit (survives power loss) or NORMAL (survives a crash). */
export type SqliteSynchronous = 'FULL' | 'NORMAL'

/**
 * Opens the embedded SQLite database under `dataDir`. This connection reads and migrates; every
 * write of the running server goes through the writer thread's own connection
 * (chat/storage/sqlite/: messages and receipts, and accounts, sessions and tickets through
 * writerDialect.ts), so the event loop never waits for the write lock.
 */
export function openSqlite(dataDir: string, synchronous: SqliteSynchronous = 'FULL'): Kysely<Database> {
  mkdirSync(resolve(dataDir), { recursive: true })
  const sqlite = new SQLite(sqliteFile(dataDir))
  // WAL lets readers proceed during a write; foreign keys are off by default in SQLite.
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('foreign_keys = ON')
  // better-sqlite3 is built with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1: a reopened WAL database runs at
  // NORMAL, which survives a process crash but not a power cut. FULL syncs the WAL on every commit,
  // which the delivery guarantee in docs/architecture.md relies on; the setting is the operator's.
  sqlite.pragma(`synchronous = ${synchronous}`)
  sqlite.pragma('busy_timeout = 5000')
  // The writer thread checkpoints the WAL (off the event loop); by default the commit that finds
  // it past 1,000 pages would do it here, on the event loop.
  sqlite.pragma('wal_autocheckpoint = 0')
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
}

/** Opens PostgreSQL through a connection pool (db0's connector would be a single client). */
export function openPostgres(url: string): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  pool.on('error', err => log.error('postgres idle client failed', { err }))
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: watchPostgresPool(pool) }) })
}

/**
 * Opens the configured database — PostgreSQL when `databaseUrl` is set, else the embedded SQLite
 * file — and applies pending migrations. The same queries run on both.
 */
export async function openDatabase(config: { dataDir: string, databaseUrl?: string, sqliteSynchronous?: SqliteSynchronous }): Promise<Kysely<Database>> {
  const db = config.databaseUrl ? openPostgres(config.databaseUrl) : openSqlite(config.dataDir, config.sqliteSynchronous)
  try {
    await migrate(db)
  }
  catch (error) {
    await db.destroy()
    throw error
  }
  return db
}

/** Applies every pending migration; throws with the failing migration's error. */
export async function migrate(db: Kysely<Database>): Promise<void> {
  // SQLite rebuilds a table to change a column (0004): with foreign keys on, dropping the old table
  // would cascade into the rows that reference it. The switch only works outside a transaction.
  const sqlite = !hasRowLocks(db)
  if (sqlite) await sql`PRAGMA foreign_keys = OFF`.execute(db)
  try {
    const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest()
    const failed = results?.find(r => r.status === 'Error')
    if (error) throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error })
    if (sqlite) {
      const broken = await sql`PRAGMA foreign_key_check`.execute(db)
      if (broken.rows.length > 0) throw new Error(`database migration left ${broken.rows.length} row(s) whose reference is missing`)
    }
  }
  finally {
    if (sqlite) await sql`PRAGMA foreign_keys = ON`.execute(db)
  }
}

let ready: Promise<Kysely<Database>> | undefined

/** The app's database, opened (and migrated) once on first use; a failed open is tried again next time. */
export function useDb(): Promise<Kysely<Database>> {
  const { dataDir, databaseUrl, sqliteSynchronous } = useSettings()
  ready ??= openDatabase({ dataDir, databaseUrl, sqliteSynchronous }).catch((error) => {
    ready = undefined
    throw error
  })
  return ready
}
