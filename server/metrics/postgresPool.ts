import type { PostgresPool } from 'kysely'
import type pg from 'pg'
import { dbPoolAcquireSeconds, readings } from './registry'

/**
 * The PostgreSQL pool as Kysely uses it, with its waits measured: how long each query's
 * transaction waited for a client (jizhan_db_pool_acquire_seconds), and the pool's clients and
 * waiting queries read when scraped (jizhan_db_pool_clients).
 */
export function watchPostgresPool(pool: pg.Pool): PostgresPool {
  readings.dbPool = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount })
  return {
    async connect() {
      const startedAt = performance.now()
      try {
        return await pool.connect()
      }
      finally {
        dbPoolAcquireSeconds.observe((performance.now() - startedAt) / 1000)
      }
    },
    end: () => pool.end(),
  }
}
