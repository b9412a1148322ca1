import type { H3Event } from 'h3'
import type { PublicUser } from '#shared/protocol'

export const SESSION_COOKIE = 'jizhan_session'

/** Who a request or socket belongs to, and through which session. */
export interface Identity {
  user: PublicUser
  /** Hash of the session (or of the session that issued the ticket). */
  sessionHash: string
  /** When that session expires (ms); its sockets are closed then. */
  sessionExpiresAt: number
}

/** Starts a session for the user and sets its cookie on the response. */
export async function startSession(event: H3Event, userId: number): Promise<void> {
  const db = await useDb()
  const maxAge = useRuntimeConfig(event).sessionMaxAgeSeconds
  const token = newToken()
  const now = Date.now()
  await db.insertInto('sessions')
    .values({ id_hash: hashToken(token), user_id: userId, created_at: now, expires_at: now + maxAge * 1000 })
    .execute()
  setCookie(event, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    // Secure whenever the browser reached us over HTTPS (directly or through a TLS-terminating proxy).
    secure: getRequestProtocol(event, { xForwardedProto: true }) === 'https',
    path: '/',
    maxAge,
  })
}

/** The identity behind a session cookie value, or null when missing, unknown or expired. */
export async function identityFromSessionToken(token: string | undefined): Promise<Identity | null> {
  if (!token || token.length > 128) return null
  const db = await useDb()
  const idHash = hashToken(token)
  const row = await db.selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['users.id', 'users.username', 'sessions.expires_at'])
    .where('sessions.id_hash', '=', idHash)
    .executeTakeFirst()
  if (!row || Number(row.expires_at) <= Date.now()) return null
  return { user: { id: row.id, username: row.username }, sessionHash: idHash, sessionExpiresAt: Number(row.expires_at) }
}

/** Whether a session still exists and has not expired (it may have ended during an upgrade). */
export async function isSessionActive(sessionHash: string): Promise<boolean> {
  return (await activeSessions([sessionHash])).has(sessionHash)
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
 * must not carry on as the previous user), then a new one starts. Returns the ended sessions.
 */
export async function replaceSession(event: H3Event, userId: number): Promise<string[]> {
  const ended = await endSession(event)
  await startSession(event, userId)
  return ended?.sessionHashes ?? []
}

/** The identity of an HTTP request, or null. */
export function getIdentity(event: H3Event): Promise<Identity | null> {
  return identityFromSessionToken(getCookie(event, SESSION_COOKIE))
}

/** The identity of an HTTP request; throws 401 when there is none. */
export async function requireIdentity(event: H3Event): Promise<Identity> {
  const identity = await getIdentity(event)
  if (!identity) throw createError({ statusCode: 401, statusMessage: 'Unauthorized', message: 'Sign in first.', data: { message: 'Sign in first.' } })
  return identity
}

/**
 * Ends the request's session (or, with `everywhere`, all of the user's sessions), clears the
 * cookie and returns the hashes of the sessions that ended so their sockets can be closed.
 */
export async function endSession(event: H3Event, everywhere = false): Promise<{ userId: number, sessionHashes: string[] } | null> {
  const identity = await getIdentity(event)
  deleteCookie(event, SESSION_COOKIE, { path: '/' })
  if (!identity) return null
  const db = await useDb()
  const ended = await db.deleteFrom('sessions')
    .where(everywhere ? 'user_id' : 'id_hash', '=', everywhere ? identity.user.id : identity.sessionHash)
    .returning('id_hash')
    .execute()
  await db.deleteFrom('ws_tickets').where('session_hash', 'in', ended.map(s => s.id_hash).concat([''])).execute()
  return { userId: identity.user.id, sessionHashes: ended.map(s => s.id_hash) }
}

/** Issues a short-lived, single-use ticket a non-browser client offers as a subprotocol. */
export async function issueTicket(identity: Identity): Promise<{ ticket: string, expiresAt: number }> {
  const db = await useDb()
  const ticket = newToken()
  const now = Date.now()
  const expiresAt = now + useRuntimeConfig().ticketTtlSeconds * 1000
  // Expired tickets are swept here, so the table stays as small as the number of live tickets.
  await db.deleteFrom('ws_tickets').where('expires_at', '<=', now).execute()
  await db.insertInto('ws_tickets')
    .values({ token_hash: hashToken(ticket), user_id: identity.user.id, session_hash: identity.sessionHash, expires_at: expiresAt })
    .execute()
  return { ticket, expiresAt }
}

/** Redeems a ticket: valid once, before it expires, while its session lasts. */
export async function identityFromTicket(ticket: string): Promise<Identity | null> {
  if (ticket.length > 128) return null
  const db = await useDb()
  const row = await db.deleteFrom('ws_tickets')
    .where('token_hash', '=', hashToken(ticket))
    .returning(['user_id', 'session_hash', 'expires_at'])
    .executeTakeFirst()
  const now = Date.now()
  if (!row || Number(row.expires_at) <= now) return null
  const session = await db.selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['users.id', 'users.username', 'sessions.expires_at'])
    .where('sessions.id_hash', '=', row.session_hash)
    .executeTakeFirst()
  if (!session || Number(session.expires_at) <= now) return null
  return { user: { id: session.id, username: session.username }, sessionHash: row.session_hash, sessionExpiresAt: Number(session.expires_at) }
}
