import type { PublicUser } from '#shared/protocol'
import type { SessionEnd } from '../auth/sessionCache'
import type { GroupLine } from '../chat/groupDeliver'
import type { TypingNote } from '../chat/typing'
import { log } from '../infra/log'
import { instanceId } from './cluster'
import { isOwnEcho, parseEnvelope } from './envelope'
import type { RelayedEvent } from './envelope'
import type { createRedisPresence } from './redisPresence'
import { relayTraffic } from './traffic'

/**
 * What this instance does with an envelope its subscriber receives (redis.ts): its own echoes are
 * dropped unparsed, presence goes to the routed presence (redisPresence.ts), everything else to the
 * handlers (handlers.ts). A handler that throws is logged, never taken down with the subscriber.
 */

/** What this instance does with what the others say (handlers.ts). */
export interface ClusterHandlers {
  events(events: RelayedEvent[]): void
  /** `member`: the one member this copy is for (each member's copy comes on their own channel). */
  groupLine(line: GroupLine, member?: number): void
  groupReceipt(conv: string, text: string, member?: number): void
  typing(note: TypingNote, member?: number): void
  /** Who a group line goes to (to route a copy to each); `fresh`: read from storage, not the cache. */
  lineRecipients(conv: string, seq: number, fresh?: boolean): number[] | Promise<number[]>
  /** A group's members now (receipts and typing go to them). */
  membersOf(conv: string): number[] | Promise<number[]>
  /**
   * A watched user came online or went offline (everywhere): tell these local users who see them.
   * `audience`: how many people see the user in all (said by their publisher), when known.
   */
  presence(user: PublicUser, online: boolean, watchers: number[], audience?: number): void
  /** How many people see a local user, when known without reading (carried by their presence changes). */
  audienceSize(userId: number): number | undefined
  /** These users' contacts changed (a first message between them): who sees whom, read again. */
  contacts(users: number[]): void
  /** `user`: whose sessions (absent from older versions); with `account_disabled` every socket of theirs closes. */
  sessions(sessionHashes: string[], why: SessionEnd, user?: number): void
  /**
   * Envelopes may have been missed (a subscriber or publisher was cut off from Redis): catch local
   * sockets up from the database and re-check their sessions.
   */
  resync(): void
  /** Users with a socket on this instance, to (re-)announce. */
  localUsers(): PublicUser[]
}

export interface ReceiverDeps {
  handlers: ClusterHandlers
  presence: Pick<ReturnType<typeof createRedisPresence>, 'receive' | 'gone'>
  /** An envelope that did not parse (told by its size only: an envelope carries what people wrote). */
  onMalformed(error: Error): void
}

export function createReceiver({ handlers, presence, onMalformed }: ReceiverDeps) {
  return (_channel: string, text: string): void => {
    relayTraffic.received++
    // Its own (common: it publishes on the channels of users it holds, for their devices here and
    // elsewhere), told from the head without parsing; presence changes are not skipped (below).
    if (isOwnEcho(text, instanceId)) return
    const envelope = parseEnvelope(text)
    if (!envelope) return onMalformed(new Error(`${text.length} characters`))
    // A presence change is handled from this instance too: its own watchers learn it this way.
    if (envelope.kind === 'presence') {
      if (envelope.from !== instanceId) relayTraffic.handled++
      return presence.receive(envelope)
    }
    if (envelope.from === instanceId) return
    relayTraffic.handled++
    try {
      switch (envelope.kind) {
        case 'events': return handlers.events(envelope.events)
        case 'groupLine': return handlers.groupLine({ conv: envelope.conv, seq: envelope.seq, from: envelope.sender, system: envelope.system, text: envelope.text, own: envelope.own }, envelope.for)
        case 'groupReceipt': return handlers.groupReceipt(envelope.conv, envelope.text, envelope.for)
        case 'typing': return handlers.typing({ sender: envelope.sender, to: envelope.to, group: envelope.group, text: envelope.text }, envelope.for)
        case 'gone': return presence.gone([envelope.from])
        case 'contacts': return handlers.contacts(envelope.users)
        case 'sessions': return handlers.sessions(envelope.sessions, envelope.why ?? 'session_ended', envelope.user)
        // (Presence is not read again here: the instance that lost publishes re-announced its
        // users before asking, which published their presence again. A subscriber that was cut
        // off itself reads it again after its own reconnect: rereadDue in redis.ts.)
        case 'resync': return handlers.resync()
      }
    }
    catch (err) {
      log.error('envelope handling failed', { kind: envelope.kind, err })
    }
  }
}
