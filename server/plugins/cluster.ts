/**
 * With NUXT_REDIS_URL, joins the other instances: relay, presence and sign-outs go through Redis.
 * Without it nothing starts and the instance is alone, as in the embedded default.
 */
export default defineNitroPlugin(() => {
  const config = useRuntimeConfig()
  if (!config.redisUrl) return
  try {
    startRedisCluster({
      url: config.redisUrl,
      prefix: config.redisPrefix || 'jizhan:',
      leaseMs: positiveInt(config.redisLeaseMs, 15_000),
    }, clusterHandlers)
  }
  catch (error) {
    console.error('[cluster] cannot start:', (error as Error).message)
    process.exit(1)
  }
})
