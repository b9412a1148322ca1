import type { Connection } from './pool'

export interface HeartbeatSettings {
  /** How often clients ping. */
  intervalMs: number
  /** How long a client waits for the pong before it declares the link dead. */
  timeoutMs: number
}

export const DEFAULT_HEARTBEAT: HeartbeatSettings = { intervalMs: 25_000, timeoutMs: 10_000 }

/**
 * Reads heartbeat settings from configuration values. Anything that is not a whole number of
 * milliseconds of at least 100 falls back to the default with a warning: a NaN here would silently
 * disable the liveness sweep.
 */
export function parseHeartbeatSettings(interval: unknown, timeout: unknown, warn: (m: string) => void = console.warn): HeartbeatSettings {
  const pick = (value: unknown, name: string, fallback: number) => {
    const n = Number(value)
    if (Number.isSafeInteger(n) && n >= 100) return n
    warn(`[jizhan] ${name}=${String(value)} is not a whole number of milliseconds >= 100; using ${fallback}`)
    return fallback
  }
  return {
    intervalMs: pick(interval, 'NUXT_HEARTBEAT_INTERVAL_MS', DEFAULT_HEARTBEAT.intervalMs),
    timeoutMs: pick(timeout, 'NUXT_HEARTBEAT_TIMEOUT_MS', DEFAULT_HEARTBEAT.timeoutMs),
  }
}

let settings: HeartbeatSettings | undefined

/** The heartbeat the server announces in `welcome` and enforces, from runtime config. */
export function heartbeatSettings(): HeartbeatSettings {
  const config = useRuntimeConfig()
  settings ??= parseHeartbeatSettings(config.heartbeatIntervalMs, config.heartbeatTimeoutMs)
  return settings
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
