import * as v from 'valibot'
import { count, firstProblem, id } from './schema'

/**
 * The Jizhan wire protocol: every frame in both directions, defined once as a schema from which
 * its TypeScript type is derived, validated at runtime by the server (client frames) and by the
 * browser store (server frames). docs/protocol.md is the contract in prose; where this file and
 * the document disagree, this file has a bug.
 *
 * Frames are JSON text frames `{ "type": …, … }`. Binary frames are not part of the protocol.
 */

/** Subprotocol every client offers first; the server echoes it. */
export const PROTOCOL_NAME = 'jizhan.v1'
/** Prefix of the subprotocol that carries a bearer ticket (never offered first). */
export const TICKET_PROTOCOL_PREFIX = 'ticket.'

/** Longest message text in UTF-16 code units. */
export const MAX_TEXT_LENGTH = 4000
/** Longest client-generated id (`cid`). */
export const MAX_CID_LENGTH = 64
/** Longest group name in UTF-16 code units (after trimming). */
export const MAX_GROUP_NAME_LENGTH = 64
/** Most events the server sends per resume batch, and most messages per history page. */
export const RESUME_BATCH = 200
export const HISTORY_PAGE_MAX = 100
/**
 * Typing indicators (never stored): a client sends `typing` at most once per TYPING_SEND_EVERY_MS
 * while its composer changes, and a reader shows it for TYPING_SHOWN_FOR_MS after the last one
 * (twice the interval: one lost or late frame does not make it flicker).
 */
export const TYPING_SEND_EVERY_MS = 3000
export const TYPING_SHOWN_FOR_MS = 6000

/**
 * Application close codes (RFC 6455 §7.4.2 reserves 4000–4999 for applications).
 * Standard codes used as well: 1000 normal, 1012 service restart (shutdown drain), 1008 policy violation
 * (too many invalid frames in a row), 1009 frame too big, 1011 internal error.
 */
export const CloseCode = {
  /** The session ended (sign-out or expiry): the client must not reconnect. */
  SessionEnded: 4001,
  /**
   * The operator disabled the account (docs/operations.md): every session of it ended. The client
   * must not reconnect; signing in is refused (`account_disabled`) until the account is enabled.
   */
  AccountDisabled: 4003,
  /** No reply to pings within the deadline: the server dropped a silent connection. */
  HeartbeatTimeout: 4008,
  /** The client kept sending over its rate limit after being told: reconnect later, with backoff. */
  RateLimited: 4029,
  /** The client read too slowly and its outgoing buffer hit the cap: reconnect and resume. */
  SlowConsumer: 4009,
  /** The instance is shutting down (standard "Service Restart"): reconnect, another one takes over. */
  ServiceRestart: 1012,
} as const

export const ERROR_CODES = [
  'bad_json', // the frame is not JSON
  'binary_unsupported', // binary frames are not part of the protocol
  'bad_frame', // JSON, but not a valid frame (unknown type, missing or wrong field)
  'unknown_user', // the recipient does not exist
  'not_member', // the group does not exist or the sender is not (or no longer) one of its members
  'self_message', // a message to oneself
  'rate_limited', // too many frames or messages: the frame was not processed; slow down and resend
  'busy', // the server has too many messages waiting to be stored: not stored; send it again shortly
  'session_ended', // sent just before a close with CloseCode.SessionEnded
  'account_disabled', // sent just before a close with CloseCode.AccountDisabled
  'internal', // the server failed; the frame was not processed
] as const
export type ErrorCode = typeof ERROR_CODES[number]

export const UserSchema = v.object({ id: id('user.id must be a positive integer'), username: v.string('user.username must be a string') })
export type PublicUser = v.InferOutput<typeof UserSchema>

const cidSchema = (message: string) => v.pipe(v.string(message), v.minLength(1, message), v.maxLength(MAX_CID_LENGTH, message))
const CID_PROBLEM = `send.cid must be a string of 1–${MAX_CID_LENGTH} characters`

/** A group's id: `g` and 1–32 lowercase letters or digits (direct conversations are named by the peer). */
export const GROUP_ID_PATTERN = /^g[0-9a-z]{1,32}$/
export const groupId = (message: string) => v.pipe(v.string(message), v.regex(GROUP_ID_PATTERN, message))
const textSchema = (field: string) => v.pipe(
  v.string(`${field} must be a string`),
  v.check(text => text.trim().length > 0, `${field} must not be empty`),
  v.maxLength(MAX_TEXT_LENGTH, `${field} is longer than ${MAX_TEXT_LENGTH} characters`),
)
export const GroupNameSchema = v.pipe(
  v.string('name must be a string'),
  v.trim(),
  v.minLength(1, 'name must not be empty'),
  v.maxLength(MAX_GROUP_NAME_LENGTH, `name is longer than ${MAX_GROUP_NAME_LENGTH} characters`),
)
export const GROUP_ROLES = ['owner', 'admin', 'member'] as const
export type GroupRole = typeof GROUP_ROLES[number]

// ---- client → server ---------------------------------------------------------------------------

const PingSchema = v.object({ type: v.literal('ping') })
/**
 * Starts (or restarts) the event stream after `cursor`: the last `pos` this device has. `groups`:
 * for each group this device shows, the last seq it has; the server replays what came after (the
 * other groups of the user go live from their newest message on).
 */
const ResumeSchema = v.object({
  type: v.literal('resume'),
  cursor: count('resume.cursor must be a non-negative integer'),
  groups: v.optional(v.pipe(
    v.array(v.tuple([groupId('resume.groups entries must be [group id, seq]'), count('resume.groups entries must be [group id, seq]')], 'resume.groups entries must be [group id, seq]'), 'resume.groups must be an array'),
    v.maxLength(10_000, 'resume.groups is too long'),
  )),
})
const SendSchema = v.object({
  type: v.literal('send'),
  /**
   * Client-generated id, unique per sender: echoed in the ack or error, and the key by which the
   * server recognises a resend of a message it already stored.
   */
  cid: cidSchema(CID_PROBLEM),
  to: id('send.to must be a positive integer user id'),
  text: textSchema('send.text'),
})
/** A message to a group the sender is a member of; answered like `send` (ack or error, by cid). */
const GroupSendSchema = v.object({
  type: v.literal('groupSend'),
  cid: cidSchema(`groupSend.cid must be a string of 1–${MAX_CID_LENGTH} characters`),
  conv: groupId('groupSend.conv must be a group id'),
  text: textSchema('groupSend.text'),
})
/** Receipts, cumulative per conversation: everything up to `seq` reached this device / was read. */
const receiptSchema = <T extends 'delivered' | 'read'>(type: T) => v.object({
  type: v.literal(type),
  peer: id(`${type}.peer must be a positive integer user id`),
  seq: id(`${type}.seq must be a positive integer`),
})
const DeliveredSchema = receiptSchema('delivered')
const ReadSchema = receiptSchema('read')
/** The same, in a group: everything in `conv` up to `seq` reached this device / was read. */
const groupReceiptSchema = <T extends 'groupDelivered' | 'groupRead'>(type: T) => v.object({
  type: v.literal(type),
  conv: groupId(`${type}.conv must be a group id`),
  seq: id(`${type}.seq must be a positive integer`),
})
const GroupDeliveredSchema = groupReceiptSchema('groupDelivered')
const GroupReadSchema = groupReceiptSchema('groupRead')
/** A conversation as a client names it: the other person's id, or the group's id. */
const convSchema = (message: string) => v.union([id(message), groupId(message)], message)
/**
 * The conversation this socket shows now (null: none, or the page is hidden). Only the sockets
 * that show a conversation get its typing indicators: a reader elsewhere costs nothing.
 */
const ViewSchema = v.object({
  type: v.literal('view'),
  conv: v.nullable(convSchema('view.conv must be a user id, a group id or null')),
})
/** The person is typing in `conv` (`stop`: they sent or cleared it). Relayed, never stored. */
const TypingSchema = v.object({
  type: v.literal('typing'),
  conv: convSchema('typing.conv must be a user id or a group id'),
  stop: v.optional(v.boolean('typing.stop must be true or false')),
})

const CLIENT_SCHEMAS = {
  ping: PingSchema,
  resume: ResumeSchema,
  send: SendSchema,
  delivered: DeliveredSchema,
  read: ReadSchema,
  groupSend: GroupSendSchema,
  groupDelivered: GroupDeliveredSchema,
  groupRead: GroupReadSchema,
  view: ViewSchema,
  typing: TypingSchema,
}
export const CLIENT_FRAME_TYPES = Object.keys(CLIENT_SCHEMAS) as Array<keyof typeof CLIENT_SCHEMAS>
export type ClientFrameType = keyof typeof CLIENT_SCHEMAS

export type PingFrame = v.InferOutput<typeof PingSchema>
export type ResumeFrame = v.InferOutput<typeof ResumeSchema>
export type SendFrame = v.InferOutput<typeof SendSchema>
export type DeliveredFrame = v.InferOutput<typeof DeliveredSchema>
export type ReadFrame = v.InferOutput<typeof ReadSchema>
export type GroupSendFrame = v.InferOutput<typeof GroupSendSchema>
export type GroupDeliveredFrame = v.InferOutput<typeof GroupDeliveredSchema>
export type GroupReadFrame = v.InferOutput<typeof GroupReadSchema>
export type ViewFrame = v.InferOutput<typeof ViewSchema>
export type TypingFrame = v.InferOutput<typeof TypingSchema>
export type ClientFrame = PingFrame | ResumeFrame | SendFrame | DeliveredFrame | ReadFrame | GroupSendFrame | GroupDeliveredFrame | GroupReadFrame
  | ViewFrame | TypingFrame

// ---- server → client ---------------------------------------------------------------------------

const ChatMessageEntries = {
  /** Server-assigned id. */
  id: v.string(),
  /** Position in the conversation, from 1, without gaps: the order to show messages in. */
  seq: id('seq'),
  from: id('from'),
  to: id('to'),
  text: v.string(),
  /** Server time in ms since the epoch. */
  ts: v.number(),
  /** The sender's client id; present on the copies the sender's own connections receive. */
  cid: v.optional(cidSchema('cid')),
}
export const ChatMessageSchema = v.object(ChatMessageEntries)
export type ChatMessage = v.InferOutput<typeof ChatMessageSchema>

/** A conversation's receipt state as seen by one of its two users. */
const ReceiptStateEntries = {
  /** The other user. */
  peer: id('peer'),
  /** The conversation's newest seq when this state was read (the unread count is relative to it). */
  lastSeq: count('lastSeq'),
  /** My messages up to this seq reached one of the peer's devices / were read by the peer. */
  peerDelivered: count('peerDelivered'),
  peerRead: count('peerRead'),
  /** I have read the conversation up to this seq (on any of my devices). */
  selfRead: count('selfRead'),
  /** The peer's messages after selfRead. */
  unread: count('unread'),
}
export const ReceiptStateSchema = v.object(ReceiptStateEntries)
export type ReceiptState = v.InferOutput<typeof ReceiptStateSchema>

/**
 * One entry of GET /api/conversations: the receipt state and the newest message. `peerName` and
 * `peerOnline` (optional, added for issue 12): who the other person is and whether they are online,
 * so a client can name and show the people it talks with without listing every account.
 */
export const ConversationSummarySchema = v.object({
  ...ReceiptStateEntries,
  last: v.nullable(ChatMessageSchema),
  peerName: v.optional(v.string()),
  peerOnline: v.optional(v.boolean()),
})
export type ConversationSummary = v.InferOutput<typeof ConversationSummarySchema>

/**
 * What a system line of a group says: codes and data, never sentences (the client words them in
 * the reader's language). The actor is the line's `from`.
 */
export const SystemEventSchema = v.variant('event', [
  v.object({ event: v.literal('created'), name: v.string() }),
  v.object({ event: v.literal('added'), users: v.array(UserSchema) }),
  v.object({ event: v.literal('removed'), users: v.array(UserSchema) }),
  /** `owner`: who owns the group now, when the owner left. */
  v.object({ event: v.literal('left'), owner: v.optional(UserSchema) }),
  v.object({ event: v.literal('renamed'), name: v.string() }),
  v.object({ event: v.literal('role'), user: UserSchema, role: v.picklist(GROUP_ROLES) }),
])
export type SystemEvent = v.InferOutput<typeof SystemEventSchema>

const GroupMessageEntries = {
  conv: groupId('conv'),
  id: v.string(),
  /** Position in the group, from 1, without gaps (system lines take seqs too). */
  seq: id('seq'),
  from: id('from'),
  /** Empty for a system line. */
  text: v.string(),
  ts: v.number(),
  /** The sender's client id, on the copies the sender's own connections receive. */
  cid: v.optional(cidSchema('cid')),
  /** Present on a system line (a membership change or a rename). */
  system: v.optional(SystemEventSchema),
}
export const GroupMessageSchema = v.object(GroupMessageEntries)
export type GroupMessage = v.InferOutput<typeof GroupMessageSchema>

/** One group as one of its members sees it (GET /api/groups, the `membership` event). */
export const GroupSummarySchema = v.object({
  conv: groupId('conv'),
  name: v.string(),
  role: v.picklist(GROUP_ROLES),
  memberCount: count('memberCount'),
  /** The group's newest seq. */
  lastSeq: count('lastSeq'),
  /** The seq of the line that added this member: they see the messages after it. */
  joinedSeq: count('joinedSeq'),
  /** This member's receipts (on any of their devices). */
  delivered: count('delivered'),
  read: count('read'),
  /** Others' messages after `read`. */
  unread: count('unread'),
  last: v.nullable(GroupMessageSchema),
})
export type GroupSummary = v.InferOutput<typeof GroupSummarySchema>

/** One member of a group (GET /api/groups/:id/members). */
export const GroupMemberSchema = v.object({
  ...UserSchema.entries,
  role: v.picklist(GROUP_ROLES),
  /** They see the lines after this seq (the line that added them is the next). */
  joinedSeq: count('joinedSeq'),
  delivered: count('delivered'),
  read: count('read'),
  online: v.boolean(),
})
export type GroupMember = v.InferOutput<typeof GroupMemberSchema>

const WelcomeSchema = v.object({
  type: v.literal('welcome'),
  user: UserSchema,
  heartbeat: v.object({ intervalMs: id('heartbeat.intervalMs'), timeoutMs: id('heartbeat.timeoutMs') }),
  /** Position of the newest event in the user's stream now. */
  head: count('head'),
  /** Which server instance holds this socket (for diagnostics; several run behind one address). */
  instance: v.optional(v.string()),
})
const PongSchema = v.object({ type: v.literal('pong') })
/**
 * People who came online (their first socket anywhere) or went offline (their last), coalesced: one
 * frame per turn of the server's event loop, however many changed.
 */
const PresenceSchema = v.object({ type: v.literal('presence'), online: v.array(UserSchema), offline: v.array(UserSchema) })
/** A message event of the user's stream; `pos` is its position there. */
const MessageSchema = v.object({ type: v.literal('message'), pos: id('pos'), ...ChatMessageEntries })
/** Receipt state of one conversation, as seen by the receiving user; an event of their stream. */
const ReceiptSchema = v.object({ type: v.literal('receipt'), pos: id('pos'), ...ReceiptStateEntries })
/**
 * Message retention deleted the user's stream up to `pos`, after the cursor this replay started
 * from: the next event is `pos + 1`. The cursor moves to `pos` (not a gap); the messages in between
 * are gone, and lines a client kept may be too: it reloads its direct conversations' history.
 */
const TrimmedSchema = v.object({ type: v.literal('trimmed'), pos: id('pos') })
/** The same for a group's lines: deleted up to `seq`; its replay goes on at `seq + 1`. */
const GroupTrimmedSchema = v.object({ type: v.literal('groupTrimmed'), conv: groupId('conv'), seq: id('seq') })
/** The resume replay is complete: everything up to `head` was sent; live events follow. */
const SyncedSchema = v.object({ type: v.literal('synced'), head: count('head') })
/**
 * The message was stored. `pos`: where it sits in the sender's stream; the sending socket gets
 * this ack at that position instead of a copy of its own message (its other devices get the copy).
 * A resend of a stored cid is acknowledged without `pos`.
 */
/** A message or system line of a group, live or replayed; in seq order per group. */
const GroupMessageFrameSchema = v.object({ type: v.literal('groupMessage'), ...GroupMessageEntries })
/**
 * Members' receipts in a group moved: each member's newest positions. Live only (a resume does not
 * replay them: GET /api/groups and /members give the state); from NUXT_GROUP_RECEIPTS_COALESCE_AT
 * members the server sends one per group per second, listing every member that moved.
 */
const GroupReceiptFrameSchema = v.object({
  type: v.literal('groupReceipt'),
  conv: groupId('conv'),
  receipts: v.array(v.object({ user: id('user'), delivered: count('delivered'), read: count('read') })),
})
/**
 * An event of the user's stream: they joined a group (created, added) or left it (left, removed:
 * from then on nothing of the group reaches them, and its history is closed to them).
 */
const MembershipSchema = v.object({ type: v.literal('membership'), pos: id('pos'), change: v.picklist(['joined', 'left']), group: GroupSummarySchema })
/**
 * Someone is typing in a conversation this socket shows (`conv` as this reader names it: the
 * typist's id for a direct conversation, the group's id for a group); `stop`: they stopped. Live
 * only, to viewers only; a reader forgets it after TYPING_SHOWN_FOR_MS without another.
 */
const TypingNoticeSchema = v.object({
  type: v.literal('typing'),
  conv: v.union([id('conv'), groupId('conv')], 'conv'),
  from: id('from'),
  username: v.string(),
  stop: v.optional(v.boolean()),
})
const AckSchema = v.object({ type: v.literal('ack'), cid: cidSchema('cid'), id: v.string(), seq: id('seq'), ts: v.number(), pos: v.optional(id('pos')) })
const ErrorSchema = v.object({ type: v.literal('error'), code: v.picklist(ERROR_CODES), message: v.string(), cid: v.optional(cidSchema('cid')) })

const SERVER_SCHEMAS = {
  welcome: WelcomeSchema,
  pong: PongSchema,
  presence: PresenceSchema,
  message: MessageSchema,
  receipt: ReceiptSchema,
  synced: SyncedSchema,
  ack: AckSchema,
  error: ErrorSchema,
  groupMessage: GroupMessageFrameSchema,
  groupReceipt: GroupReceiptFrameSchema,
  membership: MembershipSchema,
  typing: TypingNoticeSchema,
  trimmed: TrimmedSchema,
  groupTrimmed: GroupTrimmedSchema,
}
export const SERVER_FRAME_TYPES = Object.keys(SERVER_SCHEMAS) as Array<keyof typeof SERVER_SCHEMAS>
export type ServerFrameType = keyof typeof SERVER_SCHEMAS

export type WelcomeFrame = v.InferOutput<typeof WelcomeSchema>
export type PongFrame = v.InferOutput<typeof PongSchema>
export type PresenceFrame = v.InferOutput<typeof PresenceSchema>
export type MessageFrame = v.InferOutput<typeof MessageSchema>
export type ReceiptFrame = v.InferOutput<typeof ReceiptSchema>
export type SyncedFrame = v.InferOutput<typeof SyncedSchema>
export type AckFrame = v.InferOutput<typeof AckSchema>
export type ErrorFrame = v.InferOutput<typeof ErrorSchema>
export type GroupMessageFrame = v.InferOutput<typeof GroupMessageFrameSchema>
export type GroupReceiptFrame = v.InferOutput<typeof GroupReceiptFrameSchema>
export type MembershipFrame = v.InferOutput<typeof MembershipSchema>
export type TypingNoticeFrame = v.InferOutput<typeof TypingNoticeSchema>
export type TrimmedFrame = v.InferOutput<typeof TrimmedSchema>
export type GroupTrimmedFrame = v.InferOutput<typeof GroupTrimmedSchema>
export type ServerFrame = WelcomeFrame | PongFrame | PresenceFrame | MessageFrame | ReceiptFrame | SyncedFrame | AckFrame | ErrorFrame
  | GroupMessageFrame | GroupReceiptFrame | MembershipFrame | TypingNoticeFrame | TrimmedFrame | GroupTrimmedFrame

// ---- validation --------------------------------------------------------------------------------

export type Parsed<T> = { ok: true, frame: T } | { ok: false, code: ErrorCode, message: string, cid?: string }

function bad<T>(message: string, cid?: string): Parsed<T> {
  return cid === undefined ? { ok: false, code: 'bad_frame', message } : { ok: false, code: 'bad_frame', message, cid }
}

/** The frame's JSON object and the schema its `type` names, or the problem. */
function decode<S extends Record<string, v.GenericSchema>>(text: string, schemas: S): { ok: true, value: Record<string, unknown>, schema: S[keyof S] } | { ok: false, code: ErrorCode, message: string } {
  let value: unknown
  try {
    value = JSON.parse(text)
  }
  catch {
    return { ok: false, code: 'bad_json', message: 'frame is not valid JSON' }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, code: 'bad_frame', message: 'frame must be a JSON object' }
  const type = (value as { type?: unknown }).type
  // Own keys only: a frame typed "constructor" or "__proto__" is unknown, not a lookup of Object's.
  if (typeof type !== 'string' || !Object.hasOwn(schemas, type)) {
    const message = typeof type === 'string'
      ? `unknown frame type "${type.slice(0, 32)}"; expected one of ${Object.keys(schemas).join(', ')}`
      : 'frame.type must be a string'
    return { ok: false, code: 'bad_frame', message }
  }
  return { ok: true, value: value as Record<string, unknown>, schema: schemas[type as keyof S]! }
}

/** Validates a frame a client sent. Never throws; the error names the problem (and echoes a valid cid). */
export function parseClientFrame(text: string): Parsed<ClientFrame> {
  const decoded = decode(text, CLIENT_SCHEMAS)
  if (!decoded.ok) return decoded
  const result = v.safeParse(decoded.schema, decoded.value)
  if (result.success) return { ok: true, frame: result.output }
  const raw = decoded.value
  const cid = (raw.type === 'send' || raw.type === 'groupSend') && v.is(SendSchema.entries.cid, raw.cid) ? raw.cid : undefined
  return bad(firstProblem(decoded.schema, raw, result.issues).message, cid)
}

/** Validates a frame the server sent, so a broken or hostile server cannot corrupt the client state. */
export function parseServerFrame(text: string): Parsed<ServerFrame> {
  const decoded = decode(text, SERVER_SCHEMAS)
  if (!decoded.ok) return decoded.code === 'bad_frame' && decoded.message.startsWith('unknown') ? bad('unknown frame type') : decoded
  const result = v.safeParse(decoded.schema, decoded.value)
  if (result.success) return { ok: true, frame: result.output }
  return bad(`malformed ${String(decoded.value.type)}: ${firstProblem(decoded.schema, decoded.value, result.issues).message}`)
}

/** The one place frames are serialised: always a string, so crossws sends a text frame. */
export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame)
}
