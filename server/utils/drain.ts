import { CloseCode } from '#shared/protocol'

/**
 * Graceful shutdown of the sockets. Closing every socket at once would send all of this
 * instance's clients to the survivors in the same second; instead each one is closed (1012,
 * Service Restart) at its own random moment within the window, after its in-flight frames are
 * handled, so the reconnects spread evenly (the shape of Phoenix's socket drainer). Until its
 * moment a socket keeps working.
 */

/** When, within the window, each of `count` sockets is closed (ms after the start). Pure. */
export function drainSchedule(count: number, windowMs: number, random: () => number = Math.random): number[] {
  return Array.from({ length: count }, () => Math.floor(random() * windowMs))
}

/**
 * How long an instance stays in the cluster after its last socket closed: the last clients'
 * reconnects (first backoff window 1 s, plus the handshake) land elsewhere before its users are
 * dropped, so they do not flicker offline for everyone else.
 */
export const LEAVE_GRACE_MS = 2_000

/** How long a socket's in-flight frames may take before it is closed regardless. */
export const IN_FLIGHT_WAIT_MS = 5_000

/**
 * The drain window actually used. Alone (no other instance to move to) there is nothing to spread:
 * every socket closes at once. Otherwise the configured one, short enough that the last socket's
 * in-flight wait and its close still fit in Nitro's shutdown timeout (NITRO_SHUTDOWN_TIMEOUT).
 */
export function drainWindowMs(configured: number, shutdownTimeoutMs: number, shared: boolean): number {
  if (!shared) return 0
  return Math.max(0, Math.min(configured, shutdownTimeoutMs - IN_FLIGHT_WAIT_MS - LEAVE_GRACE_MS - 2_000))
}

let draining: Promise<void> | undefined

/** Starts draining this instance (once); resolves when every socket is closed. */
export function drainConnections(windowMs: number): Promise<void> {
  draining ??= (async () => {
    markDraining()
    const conns = [...pool.connections()]
    console.log(`[shutdown] draining ${conns.length} socket(s) over ${windowMs} ms`)
    const delays = drainSchedule(conns.length, windowMs)
    await Promise.all(conns.map((conn, i) => sleep(delays[i]!).then(() => closeForRestart(conn))))
    // Sockets that were still joining when the drain began are in the pool only now.
    await Promise.all([...pool.connections()].map(conn => closeForRestart(conn)))
  })()
  return draining
}

async function closeForRestart(conn: Connection): Promise<void> {
  if (conn.closed) return
  // A message being stored now gets its ack before the close; one that arrives later is not
  // acknowledged here, so the client sends it again to the next instance (deduplicated by cid).
  await Promise.race([conn.idle(), sleep(IN_FLIGHT_WAIT_MS)])
  disconnect(conn, CloseCode.ServiceRestart, 'server restarting')
  // A frame that started just before the close finishes before the instance leaves the cluster.
  await Promise.race([conn.idle(), sleep(IN_FLIGHT_WAIT_MS)])
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
