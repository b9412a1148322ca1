/**
 * Runs the liveness and expiry sweep (half-open TCP connections never fire `close` by themselves)
 * and closes every socket with 1001 on shutdown.
 */
export default defineNitroPlugin((nitroApp) => {
  const settings = heartbeatSettings()
  const limit = silenceLimitMs(settings)
  const timer = setInterval(() => sweepConnections(Date.now(), limit), Math.max(100, Math.floor(settings.intervalMs / 2)))
  timer.unref()

  nitroApp.hooks.hook('close', () => {
    clearInterval(timer)
    for (const conn of [...pool.connections()]) disconnect(conn, 1001, 'server shutting down')
  })
})
