import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * Who may read /metrics: `off` when no token is set (the route answers 404, as if it did not
 * exist), `denied` without the right `Authorization: Bearer <token>` (401), else `allowed`. Compared
 * in constant time, as digests of equal length, so neither the token's characters nor its length
 * leak through the time an answer takes.
 */
export type MetricsAccess = 'off' | 'denied' | 'allowed'

const digest = (s: string) => createHash('sha256').update(s).digest()

export function metricsAccess(token: string, authorization: string | undefined): MetricsAccess {
  if (token === '') return 'off'
  // The scheme is case-insensitive (RFC 7235); one or more spaces before the credentials.
  const match = /^bearer +(\S+) *$/i.exec(authorization ?? '')
  if (!match) return 'denied'
  return timingSafeEqual(digest(match[1]!), digest(token)) ? 'allowed' : 'denied'
}
