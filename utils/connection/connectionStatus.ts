import { PUBLIC_DEFAULTS, SETTINGS, envName } from '#shared/settings'
import type { PublicSettings } from '#shared/settings'
import { CloseCode } from '#shared/protocol'

/** Every state a connection can be in, as one value. */
export const CONNECTION_STATUSES = ['idle', 'connecting', 'open', 'reconnecting', 'offline', 'closed', 'signed-out'] as const
export type ConnectionStatus = typeof CONNECTION_STATUSES[number]

/** What the store does after its socket is lost. */
export type AfterDrop = 'sign-out' | 'account-disabled' | 'check-session' | 'check-renewal' | 'reconnect' | 'give-up'

/**
 * Decides what follows a lost socket. Pure, so every path is tested without sockets or timers.
 * - the server ended the session (4001): signed out, never retry;
 * - the operator disabled the account (4003): signed out for that reason, never retry, ask nothing
 *   (no cookie can hold a usable session of a disabled account);
 * - the socket never got its welcome: the upgrade may have been refused (a browser only sees 1006),
 *   so ask the server over HTTP whether the session still holds before retrying — unless the server
 *   closed it with 1013 (try again later), which it sends only to a socket it accepted;
 * - otherwise retry until the attempts run out.
 */
export function afterDrop(input: { code: number, welcomed: boolean, attempts: number, maxAttempts: number, sessionChecked?: boolean }): AfterDrop {
  // The session ended; the cookie may already hold a new one of the same user (a password change in
  // another tab of this browser): ask before signing out.
  if (input.code === CloseCode.SessionEnded) return input.welcomed ? 'check-renewal' : 'sign-out'
  if (input.code === CloseCode.AccountDisabled) return 'account-disabled'
  // A 1013 (try again later) came from a server that accepted the socket, so the session held.
  if (!input.welcomed && !input.sessionChecked && input.code !== CloseCode.TryAgainLater) return 'check-session'
  if (input.attempts >= input.maxAttempts) return 'give-up'
  return 'reconnect'
}

/** What GET /api/auth/session said about this browser's session (asked by utils/connection/sessionCheck.ts). */
export type SessionVerdict = 'valid' | 'invalid' | 'disabled' | 'unknown'

/**
 * What follows the check after a 4001 on a welcomed socket: a valid session of the user this page
 * knows goes on (reconnect with the renewed cookie); a disabled account signs out for that; anything
 * else is asked once more (`firstAsk`: the renewed cookie may still be on its way), then signs out.
 */
export function afterRenewalCheck(verdict: SessionVerdict, knownUser: boolean, firstAsk: boolean): 'retry' | 'account-disabled' | 'ask-again' | 'sign-out' {
  if (verdict === 'valid' && knownUser) return 'retry'
  if (verdict === 'disabled') return 'account-disabled'
  return firstAsk ? 'ask-again' : 'sign-out'
}

/**
 * What follows the check after a socket that never got its welcome: no session signs out, a disabled
 * account signs out for that; a valid session, or no answer, goes on as a drop already checked.
 */
export function afterSessionCheck(verdict: SessionVerdict): 'sign-out' | 'account-disabled' | 'checked' {
  if (verdict === 'invalid') return 'sign-out'
  if (verdict === 'disabled') return 'account-disabled'
  return 'checked'
}

/**
 * The least a reconnect waits after the server closed with `code`: a client cut off for flooding
 * (4029) waits long enough for its rate limit to refill instead of hammering straight back.
 */
export function minimumRetryDelay(code: number): number {
  return code === CloseCode.RateLimited ? 5_000 : 0
}

/** Whether a user action or a browser event may start a connection attempt from this status. */
export function canAttempt(status: ConnectionStatus, trigger: 'user' | 'network'): boolean {
  if (trigger === 'user') return status !== 'open' && status !== 'connecting'
  // Coming back online or visible revives a waiting or given-up connection, never a deliberate close.
  return status === 'reconnecting' || status === 'offline'
}

/**
 * Whether the link is overdue by the wall clock: nothing received for a whole ping interval plus the
 * pong allowance. Timers of a sleeping or background tab may have run late, so the link is then
 * probed at once rather than on the next scheduled ping.
 */
export function heartbeatOverdue(now: number, lastInboundAt: number, heartbeat: { intervalMs: number, timeoutMs: number }): boolean {
  return now - lastInboundAt > heartbeat.intervalMs + heartbeat.timeoutMs
}

/** The connection options: the public settings of shared/settings.ts. */
export type ConnectionOptions = PublicSettings

/**
 * Fills in and checks connection options against the one settings schema (shared/settings.ts; the
 * server checked the same values at start-up): a value it does not allow (a typo in an environment
 * variable) falls back to its default with a warning, instead of becoming NaN and a retry loop
 * without delay or end.
 */
export function normalizeConnectionOptions(given: Partial<Record<keyof ConnectionOptions, unknown>>, warn: (message: string) => void = console.warn): ConnectionOptions {
  const result = { ...PUBLIC_DEFAULTS }
  for (const key of Object.keys(PUBLIC_DEFAULTS) as Array<keyof ConnectionOptions>) {
    const value = given[key]
    if (value === undefined) continue
    const parsed = SETTINGS[key].parse(value)
    if (parsed !== undefined) result[key] = parsed
    else warn(`[jizhan] ${envName(key)}=${String(value)} is not allowed (${SETTINGS[key].allowed}); using ${PUBLIC_DEFAULTS[key]}`)
  }
  return result
}
