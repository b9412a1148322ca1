import { join, resolve } from 'node:path'
import { PostgresAdapter } from 'kysely'
import type { Kysely } from 'kysely'
import type { Database } from './schema'

/**
 * What the server's database code and the operator's command line share. Nothing here reads the
 * server's settings (Nitro's runtime config), so the command line can use it outside Nitro.
 */

/** The embedded database's file in the data folder. */
export function sqliteFile(dataDir: string): string {
  return join(resolve(dataDir), 'jizhan.sqlite')
}

/** Whether the database is PostgreSQL (row locks matter) rather than SQLite (one writer). */
export function hasRowLocks(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter
}
