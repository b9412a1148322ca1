import { useCluster } from '../cluster/cluster'
import { log } from '../infra/log'
import { pool } from '../utils/pool'

/**
 * Which of these users are online (the HTTP people lists). Alone, the local pool is the whole
 * truth; in a cluster, Redis is asked (no instance knows everyone's presence). If Redis does not
 * answer, only the users with a socket here are shown online rather than failing the list.
 */
export async function onlineAmong(ids: readonly number[]): Promise<Set<number>> {
  const cluster = useCluster()
  const here = () => new Set(ids.filter(id => pool.isOnline(id)))
  if (!cluster.shared) return here()
  try {
    return await cluster.onlineAmong(ids)
  }
  catch (err) {
    log.error('presence unreadable', { err })
    return here()
  }
}
