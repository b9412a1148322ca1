import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import SQLite from 'better-sqlite3'
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely'
import type { SqliteDatabase, SqliteStatement } from 'kysely'
import pg from 'pg'
import type { Database } from '../database/schema'
import { migrationProvider } from '../database/migrations'

let ready: Promise<Kysely<Database>> | undefined

/** Opens the embedded SQLite database under `dataDir`. */
export function openSqlite(dataDir: string): Kysely<Database> {
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
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) })
}

/**
 * Keeps compiled statements for reuse. Kysely's SQLite driver calls `prepare` for every query, and
 * better-sqlite3 compiles the SQL each time; the same few statements (session lookup, stream head,
 * resume, the message batch) run thousands of times a second, and compiling them was a tenth of
 * the server's time in the benchmark (docs/benchmarks.md). The least recently used statement is
 * dropped past `max`. Reuse is safe: Kysely runs one query at a time on its one SQLite connection.
 */
export function withStatementCache(sqlite: { prepare(sql: string): SqliteStatement, close(): void }, max = 256): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>()
  return {
    close: () => sqlite.close(),
    prepare(sql) {
      let statement = cache.get(sql)
      if (statement) cache.delete(sql)
      else {
        statement = sqlite.prepare(sql)
        if (cache.size >= max) cache.delete(cache.keys().next().value!)
      }
      cache.set(sql, statement)
      return statement
    },
  }
}

/** Opens PostgreSQL through a connection pool (db0's connector would be a single client). */
export function openPostgres(url: string): Kysely<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  pool.on('error', error => console.error('[db] idle PostgreSQL client failed', error))
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
}

/**
 * Opens the configured database — PostgreSQL when `databaseUrl` is set, else the embedded SQLite
 * file — and applies pending migrations. The same queries run on both.
 */
export async function openDatabase(config: { dataDir: string, databaseUrl?: string }): Promise<Kysely<Database>> {
  const db = config.databaseUrl ? openPostgres(config.databaseUrl) : openSqlite(config.dataDir)
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
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest()
  const failed = results?.find(r => r.status === 'Error')
  if (error) throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error })
}

/** The app's database, opened (and migrated) once on first use. */
export function useDb(): Promise<Kysely<Database>> {
  const config = useRuntimeConfig()
  ready ??= openDatabase({ dataDir: config.dataDir, databaseUrl: config.databaseUrl }).catch((error) => {
    ready = undefined
    throw error
  })
  return ready
}
