import { createHmac, randomBytes } from 'node:crypto'
import { useSessionSecret } from './secret'

/** A fresh random token, base64url so it is also a valid HTTP header token (for subprotocols). */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * What the database stores instead of a token: an HMAC keyed by the session secret. Lookups are by
 * this hash, so no token is ever compared character by character.
 */
export function hashToken(token: string): string {
  return createHmac('sha256', useSessionSecret()).update(token).digest('base64url')
}
