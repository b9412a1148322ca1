import { sql } from 'kysely'
import { useCluster } from '../cluster/cluster'
import { useDb } from './db'
import { isDraining } from './lifecycle'
import { withTimeout } from './timeout'

/**
 * Whether this instance should receive traffic: not draining, and its database (and Redis, when
 * instances share one) answer within `timeoutMs`. Returns the reason when not.
 */
export async function readiness(timeoutMs = 2000): Promise<{ ready: true } | { ready: false, reason: string }> {
  if (isDraining()) return { ready: false, reason: 'draining' }
  try {
    const db = await useDb()
    await withTimeout(sql`select 1`.execute(db), timeoutMs, 'database')
  }
  catch (error) {
    return { ready: false, reason: `database unreachable: ${(error as Error).message}` }
  }
  try {
    await useCluster().check(timeoutMs)
  }
  catch (error) {
    return { ready: false, reason: `redis unreachable: ${(error as Error).message}` }
  }
  return { ready: true }
}
