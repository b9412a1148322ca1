/**
 * Graceful shutdown. On SIGTERM (or SIGINT) the instance reports not-ready, refuses new sockets
 * and drains the open ones over a jittered window (server/utils/drain.ts). Nitro's own shutdown,
 * running in parallel, stops the listener and waits for the sockets to close (the upgraded ones are
 * kept out of its idle-connection sweep, see websocketServer.ts) before it calls the `close` hook,
 * where the instance leaves the cluster.
 */
export default defineNitroPlugin((nitroApp) => {
  const shutdownTimeout = Number.parseInt(process.env.NITRO_SHUTDOWN_TIMEOUT || '', 10) || 30_000
  const windowMs = drainWindowMs(nonNegativeInt(useRuntimeConfig().shutdownDrainMs, 5_000), shutdownTimeout)
  const drain = () => void drainConnections(windowMs)
  // The same signals Nitro's shutdown listens to.
  const signals = (process.env.NITRO_SHUTDOWN_SIGNALS || 'SIGTERM SIGINT').split(' ').map(s => s.trim()).filter(Boolean)
  // (Not under `nuxi dev`, which replaces this worker on every change and stops it itself.)
  if (!import.meta.dev && !process.env.NITRO_SHUTDOWN_DISABLED) for (const signal of signals) process.once(signal, drain)

  nitroApp.hooks.hook('close', async () => {
    // Closed without a signal (e.g. by a test harness): drain at once.
    await drainConnections(0)
    await useCluster().stop()
  })
})
