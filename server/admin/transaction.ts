import { sql } from 'kysely'
import type { Kysely } from 'kysely'
import { hasRowLocks } from '../infra/database/basics'
import type { Database } from '../infra/database/schema'

/**
 * Runs `work` in one write transaction. On SQLite it begins IMMEDIATE: the write lock is taken (or
 * waited for, up to busy_timeout, while the server's writer thread commits) before anything is
 * read, so the transaction can never fail half-way for a lock it could not upgrade.
 */
export async function writeTransaction<T>(db: Kysely<Database>, work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (hasRowLocks(db)) return db.transaction().execute(work)
  return db.connection().execute(async (conn) => {
    await sql`BEGIN IMMEDIATE`.execute(conn)
    try {
      const result = await work(conn)
      await sql`COMMIT`.execute(conn)
      return result
    }
    catch (error) {
      await sql`ROLLBACK`.execute(conn).catch(() => {})
      throw error
    }
  })
}
