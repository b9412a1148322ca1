import { Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely'
import type { DatabaseConnection, Dialect, Driver, QueryResult } from 'kysely'
import type { Database } from '../../../infra/database/schema'
import { hasRowLocks, useDb } from '../../../infra/db'
import { useSqliteWriter } from './writer'
import type { SqliteWriter } from './writer'

/**
 * Kysely on SQLite with its queries run in the writer thread: for the writes made outside the
 * chat's hot path (accounts, sessions, tickets). On the main thread's own connection they would
 * wait for the database lock on the event loop (better-sqlite3 sleeps there, up to busy_timeout),
 * and the writer thread, committing back to back under load, seldom leaves the lock free; in the
 * thread they wait their turn behind its batches instead. Each query is its own transaction:
 * `db.transaction()` is refused (nothing here needs one).
 */
export class WriterThreadDialect implements Dialect {
  constructor(private readonly writer: () => SqliteWriter) {}

  createAdapter() {
    return new SqliteAdapter()
  }

  createQueryCompiler() {
    return new SqliteQueryCompiler()
  }

  createIntrospector(db: Kysely<unknown>) {
    return new SqliteIntrospector(db)
  }

  createDriver(): Driver {
    const connection: DatabaseConnection = {
      executeQuery: async <R>({ sql, parameters }: { sql: string, parameters: readonly unknown[] }) =>
        await this.writer().query({ sql, parameters }) as QueryResult<R>,
      streamQuery: () => {
        throw new Error('the writer thread does not stream query results')
      },
    }
    const noTransactions = () => Promise.reject(new Error('the writer thread runs each query as its own transaction'))
    return {
      init: async () => {},
      acquireConnection: async () => connection,
      releaseConnection: async () => {},
      beginTransaction: noTransactions,
      commitTransaction: noTransactions,
      rollbackTransaction: noTransactions,
      destroy: async () => {},
    }
  }
}

let writeDb: Kysely<Database> | undefined

/**
 * The database for writes made on behalf of requests (accounts, sessions, tickets): on SQLite it
 * runs them in the writer thread, on PostgreSQL it is the pool, like every query.
 */
export async function useWriteDb(): Promise<Kysely<Database>> {
  const db = await useDb()
  if (hasRowLocks(db)) return db
  writeDb ??= new Kysely<Database>({ dialect: new WriterThreadDialect(useSqliteWriter) })
  return writeDb
}
