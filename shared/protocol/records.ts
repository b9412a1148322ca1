import * as v from 'valibot'
import { count, id } from '../schema'
import { GROUP_ROLES, UserSchema, cidSchema, groupId } from './fields'

/**
 * What the server keeps and shows: messages, receipt states, conversation and group summaries,
 * members. The HTTP API returns these records, and the server frames carry them.
 */

export const ChatMessageEntries = {
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
export const ReceiptStateEntries = {
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

export const GroupMessageEntries = {
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
