import { createError, deleteCookie, getCookie, getRequestProtocol, setCookie } from 'h3'
import type { H3Event } from 'h3'
import { useDb } from '../infra/db'
import { useWriteDb } from '../chat/storage/sqlite/writerDialect'
import { useSettings } from '../infra/settings'
import type { Identity } from './identity'
import { insertSessionIfCurrent } from './sessionRows'
import { disabledNoticeNames } from '../admin/notices'
import { sessionCache } from './sessionCache'
import { hashToken, newToken } from './tokens'

export const SESSION_COOKIE = 'jizhan_session'

/**
 * Starts a session for the user and sets its cookie on the response — unless, since `passwordHash`
 * was checked (or set), the password changed or the account was disabled (sessionRows.ts): then
 * no session, no cookie, and false.
 */
export async function startSession(event: H3Event, userId: number, passwordHash: string): Promise<boolean> {
  const db = await useWriteDb()
  const maxAge = useSettings().sessionMaxAgeSeconds
  const token = newToken()
  const now = Date.now()
  const started = await insertSessionIfCurrent(db, { idHash: hashToken(token), userId, passwordHash, createdAt: now, expiresAt: now + maxAge * 1000 })
  if (!started) return false
  setCookie(event, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    // Secure whenever the browser reached us over HTTPS (directly or through a TLS-terminating proxy).
    secure: getRequestProtocol(event, { xForwardedProto: true }) === 'https',
    path: '/',
    maxAge,
  })
  return true
}

/** The identity behind a session cookie value, or null when missing, unknown or expired. */
export async function identityFromSessionToken(token: string | undefined): Promise<Identity | null> {
  if (!token || token.length > 128) return null
  return identityOfSession(hashToken(token))
}

/**
 * The identity of a stored session by its hash, or null when it is gone or expired, or its account
 * is disabled (the command line ends a disabled account's sessions too; this also refuses one
 * started by a sign-in that raced the disabling). Read from the
 * database at most once per few seconds per session (sessionCache.ts): one read serves every tab.
 */
export async function identityOfSession(idHash: string): Promise<Identity | null> {
  const cached = sessionCache.get(idHash, Date.now())
  if (cached) return cached
  const db = await useDb()
  const row = await db.selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['users.id', 'users.username', 'sessions.expires_at'])
    .where('sessions.id_hash', '=', idHash)
    .where('users.disabled_at', 'is', null)
    .executeTakeFirst()
  if (!row || Number(row.expires_at) <= Date.now()) return null
  const identity = { user: { id: row.id, username: row.username }, sessionHash: idHash, sessionExpiresAt: Number(row.expires_at) }
  sessionCache.set(identity, Date.now())
  return identity
}

/** Which of these sessions still exist and have not expired, in one query per thousand. */
export async function activeSessions(sessionHashes: readonly string[]): Promise<Set<string>> {
  const db = await useDb()
  const active = new Set<string>()
  for (let i = 0; i < sessionHashes.length; i += 1000) {
    const rows = await db.selectFrom('sessions').select('id_hash')
      .where('id_hash', 'in', sessionHashes.slice(i, i + 1000)).where('expires_at', '>', Date.now())
      .execute()
    for (const r of rows) active.add(r.id_hash)
  }
  return active
}

/**
 * Signs the request in as this user: a session the browser already had is ended first (its sockets
 * must not carry on as the previous user), then a new one starts if the account still has
 * `passwordHash` and is enabled (startSession). Returns the ended sessions, and whether it started.
 */
export async function replaceSession(event: H3Event, userId: number, passwordHash: string): Promise<{ ended: EndedSessions | null, started: boolean }> {
  const ended = await endSession(event)
  const started = await startSession(event, userId, passwordHash)
  return { ended, started }
}

/** The identity of an HTTP request, or null. */
export function getIdentity(event: H3Event): Promise<Identity | null> {
  return identityFromSessionToken(getCookie(event, SESSION_COOKIE))
}

/**
 * The 401 of a request that has (or, after a refused session, got) no session; with
 * `account_disabled` in `data.code` when the operator disabled its account (sessionEndedWhy).
 */
export function signInFirst(why?: 'account_disabled') {
  const message = why ? 'The account was disabled.' : 'Sign in first.'
  return createError({ statusCode: 401, statusMessage: 'Unauthorized', message, data: { message, ...(why ? { code: why } : {}) } })
}

/**
 * Why the request's session cookie no longer signs in, when the reason is the operator's disable:
 * this instance saw the session end so (its session cache, for a minute), or a notice of the last
 * hour names it (the command line deleted the session itself, so nothing else remembers). Asked only
 * after a refusal, by the client that wants to say why (GET /api/auth/session).
 */
export async function endedByDisable(event: H3Event): Promise<boolean> {
  const token = getCookie(event, SESSION_COOKIE)
  if (!token || token.length > 128) return false
  const hash = hashToken(token)
  if (sessionCache.endedWhy(hash, Date.now()) === 'account_disabled') return true
  return disabledNoticeNames(await useDb(), hash)
}

/** The identity of an HTTP request; throws 401 when there is none. */
export async function requireIdentity(event: H3Event): Promise<Identity> {
  const identity = await getIdentity(event)
  if (!identity) throw signInFirst()
  return identity
}

/**
 * Ends the request's session (or, with `everywhere`, all of the user's sessions), clears the
 * cookie and returns the hashes of the sessions that ended so their sockets can be closed.
 */
/** Sessions that just ended, and whose they were (the previous user's, at a sign-in over theirs). */
export interface EndedSessions { userId: number, sessionHashes: string[] }

export async function endSession(event: H3Event, everywhere = false): Promise<EndedSessions | null> {
  const identity = await getIdentity(event)
  deleteCookie(event, SESSION_COOKIE, { path: '/' })
  if (!identity) return null
  const db = await useWriteDb()
  const ended = await db.deleteFrom('sessions')
    .where(everywhere ? 'user_id' : 'id_hash', '=', everywhere ? identity.user.id : identity.sessionHash)
    .returning('id_hash')
    .execute()
  await db.deleteFrom('ws_tickets').where('session_hash', 'in', ended.map(s => s.id_hash).concat([''])).execute()
  sessionCache.end(ended.map(s => s.id_hash), Date.now())
  return { userId: identity.user.id, sessionHashes: ended.map(s => s.id_hash) }
}

/**
 * Deletes sessions and tickets that expired before `now`, at most `limit` of each per call, so a
 * backlog is cleared in bounded steps that never hold the database for long. Returns how many went.
 */
export async function deleteExpiredSessions(now: number, limit = 1000): Promise<{ sessions: number, tickets: number }> {
  const db = await useWriteDb()
  const expired = db.selectFrom('sessions').select('id_hash').where('expires_at', '<=', now).limit(limit)
  const sessions = await db.deleteFrom('sessions').where('id_hash', 'in', expired).executeTakeFirst()
  const expiredTickets = db.selectFrom('ws_tickets').select('token_hash').where('expires_at', '<=', now).limit(limit)
  const tickets = await db.deleteFrom('ws_tickets').where('token_hash', 'in', expiredTickets).executeTakeFirst()
  return { sessions: Number(sessions.numDeletedRows), tickets: Number(tickets.numDeletedRows) }
}
