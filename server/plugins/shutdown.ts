import { closeSqliteWriter } from '../chat/storage/sqlite/writer'
import { useCluster } from '../cluster/cluster'
import { log } from '../infra/log'
import { useSettings } from '../infra/settings'
import { drainConnections } from '../socket/drain'
import { LEAVE_GRACE_MS, drainWindowMs } from '../socket/drainPlan'

/**
 * Graceful shutdown. On SIGTERM (or SIGINT) the instance reports not-ready, refuses new sockets
 * and drains the open ones over a jittered window (server/socket/drain.ts). Nitro's own shutdown,
 * running in parallel, stops the listener and waits for the sockets to close (the upgraded ones are
 * kept out of its idle-connection sweep, see socket/wsServer.ts) before it calls the `close` hook,
 * where the instance leaves the cluster.
 */
export default defineNitroPlugin((nitroApp) => {
  // NITRO_SHUTDOWN_* read exactly as Nitro's getGracefulShutdownConfig() reads them (nitropack
  // runtime/internal/shutdown.mjs, not exported): the same signals, the same timeout.
  const nitro = {
    disabled: !!process.env.NITRO_SHUTDOWN_DISABLED,
    signals: (process.env.NITRO_SHUTDOWN_SIGNALS || 'SIGTERM SIGINT').split(' ').map(s => s.trim()).filter(Boolean),
    timeout: Number.parseInt(process.env.NITRO_SHUTDOWN_TIMEOUT || '', 10) || 30_000,
  }
  const configured = useSettings().shutdownDrainMs
  const drain = () => void drainConnections(drainWindowMs(configured, nitro.timeout, useCluster().shared))
  // (Not under `nuxi dev`, which replaces this worker on every change and stops it itself.)
  if (!import.meta.dev && !nitro.disabled) for (const signal of nitro.signals) process.once(signal, drain)

  nitroApp.hooks.hook('close', async () => {
    // Closed without a signal (e.g. by a test harness): drain at once.
    await drainConnections(0)
    // Every acknowledged message is committed already; what the writer has in hand is answered.
    await closeSqliteWriter()
    const cluster = useCluster()
    if (!cluster.shared) return
    await new Promise(resolve => setTimeout(resolve, LEAVE_GRACE_MS))
    await cluster.stop()
    log.info('left the cluster')
  })
})
