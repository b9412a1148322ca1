import { createError, getRequestHeader, setResponseHeader } from 'h3'
import type { H3Event } from 'h3'
import { usernameKey } from '#shared/usernames'
import { useSettings } from '../infra/settings'
import { clientAddress } from './clientAddress'
import { useLimiters } from './limits'

/** The client address of an HTTP request, as the per-address limits count it. */
export function requestAddress(event: H3Event): string {
  return clientAddress(event.node.req.socket.remoteAddress, getRequestHeader(event, 'x-forwarded-for'), useSettings().trustProxy)
}

/**
 * Throttles sign-in and registration per username and per client address (token buckets), so
 * guessing passwords or hashing argon2 in a loop is slow for an attacker and cheap for the server.
 * Counted before the password is checked, per account key (a name typed in fullwidth or another
 * case is the same name). Over the limit: 429 with Retry-After and code rate_limited.
 */
export function throttleSignIn(event: H3Event, username: string): void {
  const now = Date.now()
  const limiters = useLimiters()
  if (limiters.loginByAddress.take(requestAddress(event), now) && limiters.loginByUsername.take(usernameKey(username), now)) return
  const message = 'Too many sign-in attempts; wait a minute and try again.'
  setResponseHeader(event, 'retry-after', 60)
  throw createError({ statusCode: 429, statusMessage: 'Too Many Requests', message, data: { code: 'rate_limited', message } })
}
