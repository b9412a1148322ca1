import { existsSync } from 'node:fs'
import SQLite from 'better-sqlite3'
import { DEFAULT_MIGRATION_TABLE, Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely'
import pg from 'pg'
import type { Settings } from '#shared/settings'
import { sqliteFile } from '../infra/database/basics'
import { migrations } from '../infra/database/migrations'
import type { Database } from '../infra/database/schema'
import { AdminError } from './errors'

/** The database the command line works on, and where it is (for messages and `stats`). */
export interface AdminDatabase {
  db: Kysely<Database>
  /** The SQLite file, or undefined on PostgreSQL. */
  file?: string
  /** Where it is, for people: the file, or the URL without its password. */
  where: string
}

/**
 * Opens the server's database as the settings name it: the SQLite file in NUXT_DATA_DIR (never
 * created: a wrong folder is an error, not a new empty database) or PostgreSQL at
 * NUXT_DATABASE_URL. Then checks its schema is the one this version knows (checkSchema).
 */
export async function openAdminDatabase(settings: Pick<Settings, 'dataDir' | 'databaseUrl' | 'sqliteSynchronous'>): Promise<AdminDatabase> {
  let opened: AdminDatabase
  if (settings.databaseUrl) {
    const url = new URL(settings.databaseUrl)
    if (url.password) url.password = '****'
    const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: 2, connectionTimeoutMillis: 5000 })
    pool.on('error', () => {})
    opened = { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), where: url.href }
  }
  else {
    const file = sqliteFile(settings.dataDir)
    if (!existsSync(file)) {
      throw new AdminError('no_database', `There is no database at ${file} (NUXT_DATA_DIR=${JSON.stringify(settings.dataDir)}). Run this with the server's NUXT_DATA_DIR (or NUXT_DATABASE_URL), or start the server once to create it.`)
    }
    const sqlite = new SQLite(file, { fileMustExist: true })
    sqlite.pragma('foreign_keys = ON')
    sqlite.pragma(`synchronous = ${settings.sqliteSynchronous}`)
    // The server's writer thread may be committing: wait for the lock as it does.
    sqlite.pragma('busy_timeout = 5000')
    // Checkpoints are the server's (its writer thread), as on its own reading connection.
    sqlite.pragma('wal_autocheckpoint = 0')
    opened = { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }), file, where: file }
  }
  try {
    await checkSchema(opened.db, opened.where)
  }
  catch (error) {
    await opened.db.destroy()
    throw error
  }
  return opened
}

/**
 * Refuses a database whose schema is not exactly this version's: one not migrated yet (the server
 * migrates at start-up; the command line never does, so it cannot change a schema under a running
 * older server) or one migrated by a newer version (whose tables this one does not know).
 */
export async function checkSchema(db: Kysely<Database>, where: string): Promise<void> {
  try {
    await sql`SELECT 1`.execute(db)
  }
  catch (error) {
    throw new AdminError('database_unreachable', `Cannot reach the database at ${where}: ${(error as Error).message}`)
  }
  let applied: string[]
  try {
    const { rows } = await sql<{ name: string }>`SELECT name FROM ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(db)
    applied = rows.map(r => r.name)
  }
  catch {
    applied = []
  }
  const known = Object.keys(migrations).sort()
  const newer = applied.filter(name => !known.includes(name)).sort()
  const missing = known.filter(name => !applied.includes(name))
  if (applied.length === 0) {
    throw new AdminError('schema_missing', `The database at ${where} has no Jizhan tables. Start the server once on it (it creates them), or point this at the server's database.`)
  }
  if (newer.length > 0) {
    throw new AdminError('schema_newer', `The database at ${where} was migrated by a newer Jizhan (${newer.join(', ')}): use that version's command line.`)
  }
  if (missing.length > 0) {
    throw new AdminError('schema_older', `The database at ${where} is not migrated to this version (missing ${missing.join(', ')}): start this version of the server once (it migrates at start-up), then run this again.`)
  }
}
