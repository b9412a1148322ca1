import type { PublicUser } from '#shared/protocol'

/**
 * What instances tell each other over Redis pub/sub. Every envelope names the instance it came
 * from, so an instance skips its own echoes. Pure: encoding and validation only.
 */

/** A stored event of a user's stream, already encoded as the frame their devices receive. */
export interface RelayedEvent { userId: number, pos: number, text: string }

/** Stored events to hand to the users' sockets on every other instance. */
export interface EventsEnvelope { kind: 'events', from: string, events: RelayedEvent[] }
/** A user's first socket on `from` opened, or their last one there closed. */
export interface PresenceEnvelope { kind: 'presence', from: string, user: PublicUser, online: boolean }
/** Everyone with a socket on `from` now (after it re-registered; empty when it stops). */
export interface SnapshotEnvelope { kind: 'snapshot', from: string, users: PublicUser[] }
/** These sessions ended (sign-out, password change): close their sockets everywhere. */
export interface SessionsEnvelope { kind: 'sessions', from: string, sessions: string[] }

/** `from` may have lost envelopes it published (its connection was down): catch up from the database. */
export interface ResyncEnvelope { kind: 'resync', from: string }

export type Envelope = EventsEnvelope | PresenceEnvelope | SnapshotEnvelope | SessionsEnvelope | ResyncEnvelope

export function encodeEnvelope(envelope: Envelope): string {
  return JSON.stringify(envelope)
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0
const isUser = (v: unknown): v is PublicUser => isObj(v) && isId(v.id) && typeof v.username === 'string'
const isEvent = (v: unknown): v is RelayedEvent => isObj(v) && isId(v.userId) && isId(v.pos) && typeof v.text === 'string'

/**
 * Reads an envelope from the channel; null when it is not one (another program publishing on the
 * channel, or a newer version of us) — such a message is ignored, never trusted.
 */
export function parseEnvelope(text: string): Envelope | null {
  let v: unknown
  try {
    v = JSON.parse(text)
  }
  catch {
    return null
  }
  if (!isObj(v) || typeof v.from !== 'string' || v.from === '') return null
  switch (v.kind) {
    case 'events':
      return Array.isArray(v.events) && v.events.every(isEvent) ? { kind: 'events', from: v.from, events: v.events } : null
    case 'presence':
      return isUser(v.user) && typeof v.online === 'boolean'
        ? { kind: 'presence', from: v.from, user: { id: v.user.id, username: v.user.username }, online: v.online }
        : null
    case 'snapshot':
      return Array.isArray(v.users) && v.users.every(isUser)
        ? { kind: 'snapshot', from: v.from, users: v.users.map(u => ({ id: u.id, username: u.username })) }
        : null
    case 'sessions':
      return Array.isArray(v.sessions) && v.sessions.every(s => typeof s === 'string')
        ? { kind: 'sessions', from: v.from, sessions: v.sessions as string[] }
        : null
    case 'resync':
      return { kind: 'resync', from: v.from }
    default:
      return null
  }
}
