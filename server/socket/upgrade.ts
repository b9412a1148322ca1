import { PROTOCOL_NAME, TICKET_PROTOCOL_PREFIX } from '#shared/protocol'
import { parseOriginList } from '#shared/settings'
import type { Identity } from '../auth/identity'
import { SESSION_COOKIE, identityFromSessionToken } from '../auth/sessions'
import { identityFromTicket } from '../auth/tickets'
import { clientAddress } from '../http/clientAddress'
import { useLimiters } from '../http/limits'
import { isDraining } from '../infra/lifecycle'
import { useSettings } from '../infra/settings'
import { rateLimited } from '../metrics/registry'
import { pool } from '../utils/pool'
import { isOriginAllowed } from './origin'
import { pendingSockets } from './pendingSockets'

/** The parts of an upgrade request authentication needs (crossws exposes `url` and `headers`). */
export interface UpgradeRequest {
  headers: Headers
}

/** Who opens the socket, and the place reserved for it under the per-user cap. */
export interface AcceptedUpgrade extends Identity {
  reservation: symbol
}

/**
 * The client's address. crossws 0.3 does not expose it on the upgrade request; its Node adapter
 * keeps the raw request as `_req` (pinned crossws 0.3.5; tests/contract/upgrade.test.ts fails if
 * that changes, since per-address limits would then count every client as one). Behind a trusted
 * proxy, the address it forwarded (http/clientAddress.ts).
 */
export function upgradeAddress(request: UpgradeRequest): string {
  const raw = (request as unknown as { _req?: { socket?: { remoteAddress?: string } } })._req
  return clientAddress(raw?.socket?.remoteAddress, request.headers.get('x-forwarded-for'), useSettings().trustProxy)
}

/**
 * Keeps a client that vanishes during the handshake an ordinary closed socket. Node takes its HTTP
 * server's 'error' listener off a socket it hands over for an upgrade, and ws adds its own only
 * after our `upgrade` hook: a refusal written to a socket the client has reset meanwhile would fail
 * with EPIPE as an uncaught exception. (The raw request is crossws 0.3.5's `_req`, as above.)
 */
export function guardUpgradeSocket(request: UpgradeRequest): void {
  (request as unknown as { _req?: { socket?: { on(event: 'error', fn: () => void): void } } })._req?.socket?.on('error', () => {})
}

/** Refusal of an upgrade: a non-ok Response, which crossws turns into that HTTP status. */
function refuse(status: number, message: string): Response {
  return new Response(message, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } })
}

function cookieValue(header: string | null, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim()
      try {
        return decodeURIComponent(raw)
      }
      catch {
        return raw
      }
    }
  }
  return undefined
}

let allowList: string[] | undefined

/**
 * Decides who may open a socket. A browser proves itself with its session cookie and an allowed
 * Origin; another client with a ticket offered as a (never first) subprotocol. Returns the identity
 * with a reserved place under the per-user cap, or the Response that refuses the upgrade.
 */
export async function authenticateUpgrade(request: UpgradeRequest): Promise<AcceptedUpgrade | Response> {
  const headers = request.headers
  // A draining instance takes no new sockets; the proxy tries another instance (docs/deploy.md).
  if (isDraining()) return refuse(503, 'This server is restarting; connect again')
  // Counted before any other work: a flood of handshakes costs a map lookup each, nothing more.
  if (!useLimiters().upgrades.take(upgradeAddress(request), Date.now())) return refuse(429, 'Too many connection attempts; retry later')
  const origin = headers.get('origin')
  allowList ??= parseOriginList(useSettings().allowedOrigins) ?? []
  if (origin !== null && !isOriginAllowed(origin, headers.get('host'), allowList)) return refuse(403, 'Origin not allowed')

  const protocols = (headers.get('sec-websocket-protocol') ?? '').split(',').map(p => p.trim()).filter(Boolean)
  const ticketIndex = protocols.findIndex(p => p.startsWith(TICKET_PROTOCOL_PREFIX))
  if (ticketIndex === 0) {
    // The server echoes the first offered protocol; a ticket there would be sent back in the clear.
    return refuse(400, `The ticket must not be the first subprotocol; offer "${PROTOCOL_NAME}" first`)
  }
  // The first offered protocol is the one agreed on: it names the protocol version.
  if (protocols[0] !== PROTOCOL_NAME) return refuse(400, `Offer the subprotocol "${PROTOCOL_NAME}" first`)
  let identity: Identity | null
  if (ticketIndex > 0) {
    identity = await identityFromTicket(protocols[ticketIndex]!.slice(TICKET_PROTOCOL_PREFIX.length))
    if (!identity) return refuse(401, 'Invalid or expired ticket')
  }
  else {
    // A cookie without an Origin is not a browser; such clients must use a ticket.
    if (origin === null) return refuse(403, 'Origin header required for cookie authentication')
    identity = await identityFromSessionToken(cookieValue(headers.get('cookie'), SESSION_COOKIE))
    if (!identity) return refuse(401, 'Not signed in')
  }
  // Sockets still joining count too: simultaneous upgrades all pass the lookup above before any joins.
  const userId = identity.user.id
  if (pool.connectionsOf(userId).size + pendingSockets.count(userId, Date.now()) >= useSettings().wsMaxConnectionsPerUser) {
    rateLimited.connections.n++
    return refuse(429, 'Too many open connections for this user; close some tabs')
  }
  return { ...identity, reservation: pendingSockets.reserve(userId, Date.now()) }
}
