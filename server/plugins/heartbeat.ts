/**
 * Runs the liveness and expiry sweep (half-open TCP connections never fire `close` by themselves)
 * and closes every socket with 1001 on shutdown.
 */
export default defineNitroPlugin((nitroApp) => {
  const settings = heartbeatSettings()
  const limit = silenceLimitMs(settings)
  const every = Math.max(100, Math.floor(settings.intervalMs / 2))
  let last = Date.now()
  const timer = setInterval(() => {
    const now = Date.now()
    const late = now - last - every
    last = now
    // A sweep that runs late means this process was busy: frames that clients sent meanwhile may
    // still be unread in the sockets, so silence is not judged this round.
    if (late > every) return
    sweepConnections(now, limit)
  }, every)
  timer.unref()

  nitroApp.hooks.hook('close', async () => {
    markDraining()
    clearInterval(timer)
    const open = [...pool.connections()]
    for (const conn of open) disconnect(conn, 1001, 'server shutting down')
    // Give the close frames a moment to leave before the process exits. (Under Nitro's graceful
    // shutdown the upgraded sockets are destroyed before this hook runs: see docs/security.md.)
    if (open.length > 0) await new Promise(resolve => setTimeout(resolve, 200))
  })
})
