import { clusterHandlers } from '../cluster/handlers'
import { startRedisCluster } from '../cluster/redis'
import { useSettings } from '../infra/settings'

/**
 * With NUXT_REDIS_URL, joins the other instances: relay, presence and sign-outs go through Redis.
 * Without it nothing starts and the instance is alone, as in the embedded default.
 */
export default defineNitroPlugin(() => {
  const { redisUrl, redisPrefix, redisLeaseMs } = useSettings()
  if (!redisUrl) return
  // Joined only after Nitro has tried to listen (next turn): a port that cannot be bound stops the
  // process first (00.startup.ts), so a server that never served does not appear in the cluster.
  setImmediate(() => startRedisCluster({ url: redisUrl, prefix: redisPrefix, leaseMs: redisLeaseMs }, clusterHandlers))
})
