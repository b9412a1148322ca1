import { CloseCode } from '#shared/protocol'

/**
 * Liveness sweep: half-open TCP connections never fire `close`, so connections silent past the
 * limit are closed and removed here. Also closes every socket with 1001 on shutdown.
 */
export default defineNitroPlugin((nitroApp) => {
  const settings = heartbeatSettings()
  const limit = silenceLimitMs(settings)
  const timer = setInterval(() => {
    for (const conn of silentConnections(pool.connections(), Date.now(), limit)) {
      try {
        conn.close(CloseCode.HeartbeatTimeout, 'heartbeat timeout')
        // A dead link never completes the closing handshake: cut it after a grace second.
        setTimeout(() => conn.terminate(), 1000).unref()
      }
      finally {
        leave(conn)
      }
    }
  }, Math.max(250, Math.floor(settings.intervalMs / 2)))
  timer.unref()

  nitroApp.hooks.hook('close', () => {
    clearInterval(timer)
    for (const conn of [...pool.connections()]) {
      conn.close(1001, 'server shutting down')
      leave(conn)
    }
  })
})
