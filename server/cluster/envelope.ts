import * as v from 'valibot'
import { UserSchema } from '#shared/protocol'

/**
 * What instances tell each other over Redis pub/sub, as schemas (the types derive from them).
 * Every envelope names the instance it came from, so an instance skips its own echoes. Pure.
 */

const positive = v.pipe(v.number(), v.safeInteger(), v.minValue(1))
const from = v.pipe(v.string(), v.minLength(1))
/** The member a copy of a group envelope is for (it came on that member's channel: routing.ts). */
const member = v.optional(positive)
/** The number of the sender's presence change (older versions, which kept a cluster-wide picture; ignored now). */
const epoch = v.optional(positive)

/**
 * A stored event of a user's stream, already encoded as the frame their devices receive. `group`:
 * the event says the user joined or left a group (their sockets start or stop following it).
 */
const RelayedEventSchema = v.object({
  userId: positive,
  pos: positive,
  text: v.string(),
  group: v.optional(v.object({ conv: v.string(), change: v.picklist(['joined', 'left']), joinedSeq: v.pipe(v.number(), v.safeInteger(), v.minValue(0)) })),
})
export type RelayedEvent = v.InferOutput<typeof RelayedEventSchema>

const EnvelopeSchema = v.variant('kind', [
  /** Stored events to hand to the users' sockets on every other instance. */
  v.object({ kind: v.literal('events'), from, events: v.array(RelayedEventSchema) }),
  /**
   * A user's first socket on `from` opened, or their last one there closed; on the user's presence
   * channel (routing.ts). `instances`: every instance they are on now, read in the same Redis script
   * that changed it (`online`: whether that is any); `v`: the version of that state, numbered by
   * the same script (watching.ts ignores what is not newer than it holds); `audience`: how many
   * people see the user in all, when the publisher knew it (a watcher's instance holds only some
   * of them, and coalesces by the whole audience: presenceBroadcast.ts). All three are absent from
   * older versions.
   */
  v.object({
    kind: v.literal('presence'), from, user: UserSchema, online: v.boolean(), epoch, instances: v.optional(v.array(v.string())),
    v: v.optional(positive), audience: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(0))),
  }),
  /** Everyone with a socket on `from` now (older versions, on the cluster channel; ignored now). */
  v.object({ kind: v.literal('snapshot'), from, users: v.array(UserSchema), epoch }),
  /** `from` left the cluster: whoever was only there is offline (their presence channels said so too). */
  v.object({ kind: v.literal('gone'), from }),
  /** These users' contacts changed (a first message between them): watch their contacts again. */
  v.object({ kind: v.literal('contacts'), from, users: v.array(positive) }),
  /**
   * These sessions of `user` ended (sign-out, password change, the operator's command line): close
   * their sockets everywhere. Sent on the cluster channel: any instance may hold the session in its
   * HTTP cache, so every one must forget it (routing.ts). `user` is absent from older versions.
   * `why` (absent: `session_ended`) picks the close code; with `account_disabled` every socket of
   * `user` closes. An older instance that does not know these fields closes the sessions' sockets
   * all the same (4001).
   */
  v.object({
    kind: v.literal('sessions'), from, sessions: v.array(v.string()),
    why: v.optional(v.picklist(['session_ended', 'account_disabled'])), user: v.optional(positive),
  }),
  /** A stored line of a group, encoded for the members and (with the cid) for the sender's devices. */
  v.object({ kind: v.literal('groupLine'), from, conv: v.string(), seq: positive, sender: positive, system: v.boolean(), text: v.string(), own: v.string(), for: member }),
  /** A group receipt frame for the members of `conv`. */
  v.object({ kind: v.literal('groupReceipt'), from, conv: v.string(), text: v.string(), for: member }),
  /** Someone types: for the sockets of `to` (direct) or the members of `group` that show the conversation. */
  v.object({ kind: v.literal('typing'), from, sender: positive, to: v.optional(positive), group: v.optional(v.string()), text: v.string(), for: member }),
  /** `from` may have lost envelopes it published (its connection was down): catch up from the database. */
  v.object({ kind: v.literal('resync'), from }),
])
export type Envelope = v.InferOutput<typeof EnvelopeSchema>

/** The one pub/sub channel of the instances sharing a Redis under `prefix` (NUXT_REDIS_PREFIX). */
export function relayChannel(prefix: string): string {
  return `${prefix}relay`
}

/**
 * The envelope as JSON that always begins `{"kind":"<kind>","from":"<instance>"`, whatever the
 * order its object was built in, so a receiver can tell its own echoes without parsing (`isOwnEcho`).
 * (redisPresence.ts builds presence envelopes in a Lua script from a head that starts the same way.)
 */
export function encodeEnvelope(envelope: Envelope): string {
  const { kind, from, ...rest } = envelope
  const tail = JSON.stringify(rest)
  return `{"kind":${JSON.stringify(kind)},"from":${JSON.stringify(from)}${tail === '{}' ? '}' : `,${tail.slice(1)}`}`
}

const KIND_AT = '{"kind":"'.length

/**
 * Whether this text is an envelope `self` published, other than a presence change (which this
 * instance handles from itself too: its own watchers learn it that way). Reads the head only, so
 * an instance skips its own echoes, common since it publishes on channels it follows, before
 * parsing them. Anything not in that shape is not an echo (it goes on to `parseEnvelope`).
 */
export function isOwnEcho(text: string, self: string): boolean {
  if (!text.startsWith('{"kind":"')) return false
  const end = text.indexOf('"', KIND_AT)
  if (end < 0 || text.slice(KIND_AT, end) === 'presence') return false
  // The stringified id ends with its closing quote: `"from":"ab"` never matches the id `a`.
  return text.startsWith(`,"from":${JSON.stringify(self)}`, end + 1)
}

/**
 * Reads an envelope from the channel; null when it is not one (another program publishing on the
 * channel, or a newer version of us) — such a message is ignored, never trusted.
 */
export function parseEnvelope(text: string): Envelope | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  }
  catch {
    return null
  }
  const result = v.safeParse(EnvelopeSchema, value)
  return result.success ? result.output : null
}
