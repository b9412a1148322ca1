/**
 * Runs the liveness and expiry sweep (half-open TCP connections never fire `close` by themselves).
 * Shutdown is server/plugins/shutdown.ts.
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

  nitroApp.hooks.hook('close', () => clearInterval(timer))
})
