import * as v from 'valibot'
import { count, id } from '../schema'
import { CID_PROBLEM, cidSchema, groupId, textSchema } from './fields'
import { MAX_CID_LENGTH } from './limits'

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
export const SendSchema = v.object({
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

export const CLIENT_SCHEMAS = {
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
