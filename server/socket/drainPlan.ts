/**
 * The shape of a graceful shutdown, pure. Closing every socket at once would send all of this
 * instance's clients to the survivors in the same second; instead each one is closed (1012,
 * Service Restart) at its own random moment within the window, so the reconnects spread evenly
 * (the shape of Phoenix's socket drainer).
 */

/** When, within the window, each of `count` sockets is closed (ms after the start). */
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
