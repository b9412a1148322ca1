import { CloseCode } from '#shared/protocol'

/**
 * Liveness and expiry sweep. Half-open TCP connections never fire `close`, so connections silent
 * past the limit are closed and removed here; so are sockets whose session expired. On shutdown
 * every socket is closed with 1001.
 */
export default defineNitroPlugin((nitroApp) => {
  const settings = heartbeatSettings()
  const limit = silenceLimitMs(settings)
  const timer = setInterval(() => {
    const now = Date.now()
    closeSessions(expiredConnections(pool.connections(), now).map(conn => conn.sessionHash))
    for (const conn of silentConnections(pool.connections(), now, limit)) {
      try {
        conn.close(CloseCode.HeartbeatTimeout, 'heartbeat timeout')
        // A dead link never completes the closing handshake: cut it after a grace second.
        setTimeout(() => conn.terminate(), 1000).unref()
      }
      finally {
        leave(conn)
      }
    }
  }, Math.max(100, Math.floor(settings.intervalMs / 2)))
  timer.unref()

  nitroApp.hooks.hook('close', () => {
    clearInterval(timer)
    for (const conn of [...pool.connections()]) {
      conn.close(1001, 'server shutting down')
      leave(conn)
    }
  })
})
