import type { Connection } from '../utils/pool'

/** The heartbeat announced to clients in `welcome`. */
export interface HeartbeatSettings {
  /** How often clients ping. */
  intervalMs: number
  /** How long a client waits for the pong before it declares the link dead. */
  timeoutMs: number
}

/**
 * How long the server tolerates silence: two missed pings plus the pong allowance. A client that
 * pings on time is never near it; a half-open TCP connection (which never fires `close`) is.
 */
export function silenceLimitMs({ intervalMs, timeoutMs }: HeartbeatSettings): number {
  return 2 * intervalMs + timeoutMs
}

/** Connections whose session has expired at `now`. */
export function expiredConnections<C extends Pick<Connection, 'sessionExpiresAt'>>(conns: Iterable<C>, now: number): C[] {
  return [...conns].filter(conn => conn.sessionExpiresAt <= now)
}

/** Connections silent for longer than the limit at `now`. */
export function silentConnections<C extends Pick<Connection, 'lastSeenAt'>>(conns: Iterable<C>, now: number, limitMs: number): C[] {
  const silent: C[] = []
  for (const conn of conns) {
    if (now - conn.lastSeenAt > limitMs) silent.push(conn)
  }
  return silent
}
