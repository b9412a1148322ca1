import type { H3Event } from 'h3'
import { PASSWORD_MAX, USERNAME_MAX, passwordProblem, usernameProblem } from '#shared/accounts'

export { passwordProblem }

/** Reads a JSON object body; a missing or malformed body is a 400 with a message, never a 500. */
export async function readJsonObject(event: H3Event): Promise<Record<string, unknown>> {
  // JSON only: an HTML form on another site can post form-encoded or text/plain, never JSON.
  if (!getRequestHeader(event, 'content-type')?.toLowerCase().startsWith('application/json')) {
    const message = 'Send the body as application/json.'
    throw createError({ statusCode: 415, statusMessage: 'Unsupported Media Type', message, data: { message } })
  }
  let body: unknown
  try {
    body = await readBody(event)
  }
  catch {
    throw badRequest('The request body must be JSON.')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The request body must be a JSON object.')
  return body as Record<string, unknown>
}

export function badRequest(message: string, field?: string) {
  return createError({ statusCode: 400, statusMessage: 'Bad Request', message, data: { message, field } })
}

/** Validates the credentials fields, throwing the first problem as a 400 naming the field. */
export function requireCredentials(body: Record<string, unknown>): { username: string, password: string } {
  const usernameError = usernameProblem(body.username)
  if (usernameError) throw badRequest(usernameError, 'username')
  const passwordError = passwordProblem(body.password)
  if (passwordError) throw badRequest(passwordError, 'password')
  return { username: body.username as string, password: body.password as string }
}

/** Sign-in checks only presence and length: the rules of the day must not lock out older accounts. */
export function requireLoginFields(body: Record<string, unknown>): { username: string, password: string } {
  const { username, password } = body
  if (typeof username !== 'string' || username.length === 0) throw badRequest('Username is required.', 'username')
  if (username.length > USERNAME_MAX) throw badRequest(`Username must be at most ${USERNAME_MAX} characters.`, 'username')
  if (typeof password !== 'string' || password.length === 0) throw badRequest('Password is required.', 'password')
  if (password.length > PASSWORD_MAX) throw badRequest(`Password must be at most ${PASSWORD_MAX} characters.`, 'password')
  return { username, password }
}

/**
 * Throttles sign-in and registration per username and per client address (token buckets), so
 * guessing passwords or hashing argon2 in a loop is slow for an attacker and cheap for the server.
 * Counted before the password is checked. Over the limit: 429 with Retry-After.
 */
export function throttleSignIn(event: H3Event, username: string): void {
  const now = Date.now()
  const limiters = useLimiters()
  const address = clientAddress(event.node.req.socket.remoteAddress, getRequestHeader(event, 'x-forwarded-for'), trustsProxy())
  if (limiters.loginByAddress.take(address, now) && limiters.loginByUsername.take(username.toLowerCase(), now)) return
  const message = 'Too many sign-in attempts; wait a minute and try again.'
  setResponseHeader(event, 'retry-after', 60)
  throw createError({ statusCode: 429, statusMessage: 'Too Many Requests', message, data: { message } })
}
