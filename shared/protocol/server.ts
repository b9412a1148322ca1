import * as v from 'valibot'
import { count, id } from '../schema'
import { ERROR_CODES } from './codes'
import { UserSchema, cidSchema, groupId } from './fields'
import { ChatMessageEntries, GroupMessageEntries, GroupSummarySchema, ReceiptStateEntries } from './records'

// ---- server → client ---------------------------------------------------------------------------

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
/**
 * The message was stored. `pos`: where it sits in the sender's stream; the sending socket gets
 * this ack at that position instead of a copy of its own message (its other devices get the copy).
 * A resend of a stored cid is acknowledged without `pos`.
 */
const AckSchema = v.object({ type: v.literal('ack'), cid: cidSchema('cid'), id: v.string(), seq: id('seq'), ts: v.number(), pos: v.optional(id('pos')) })
const ErrorSchema = v.object({ type: v.literal('error'), code: v.picklist(ERROR_CODES), message: v.string(), cid: v.optional(cidSchema('cid')) })

export const SERVER_SCHEMAS = {
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
