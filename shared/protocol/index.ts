/**
 * The Jizhan wire protocol: every frame in both directions, defined once as a schema from which
 * its TypeScript type is derived, validated at runtime by the server (client frames) and by the
 * browser store (server frames). docs/protocol.md is the contract in prose; where this folder and
 * the document disagree, this folder has a bug.
 *
 * Frames are JSON text frames `{ "type": …, … }`. Binary frames are not part of the protocol.
 *
 * One job per file: `codes.ts` (subprotocols, close and error codes), `limits.ts` (lengths, batch
 * sizes, typing timings), `fields.ts` (people, ids, text), `records.ts` (messages and summaries the
 * HTTP API returns and frames carry), `client.ts` and `server.ts` (the frames of each direction),
 * `parse.ts` (validation and encoding). Import from `#shared/protocol`, this file.
 */

export { CloseCode, ERROR_CODES, PROTOCOL_NAME, TICKET_PROTOCOL_PREFIX } from './codes'
export type { ErrorCode } from './codes'
export { HISTORY_PAGE_MAX, MAX_CID_LENGTH, MAX_GROUP_NAME_LENGTH, MAX_TEXT_LENGTH, RESUME_BATCH, TYPING_SEND_EVERY_MS, TYPING_SHOWN_FOR_MS } from './limits'
export { GROUP_ID_PATTERN, GROUP_ROLES, GroupNameSchema, UserSchema, groupId } from './fields'
export type { GroupRole, PublicUser } from './fields'
export { ChatMessageSchema, ConversationSummarySchema, GroupMemberSchema, GroupMessageSchema, GroupSummarySchema, ReceiptStateSchema, SystemEventSchema } from './records'
export type { ChatMessage, ConversationSummary, GroupMember, GroupMessage, GroupSummary, ReceiptState, SystemEvent } from './records'
export { CLIENT_FRAME_TYPES } from './client'
export type { ClientFrame, ClientFrameType, DeliveredFrame, GroupDeliveredFrame, GroupReadFrame, GroupSendFrame, PingFrame, ReadFrame, ResumeFrame, SendFrame, TypingFrame, ViewFrame } from './client'
export { SERVER_FRAME_TYPES } from './server'
export type { AckFrame, ErrorFrame, GroupMessageFrame, GroupReceiptFrame, GroupTrimmedFrame, MembershipFrame, MessageFrame, PongFrame, PresenceFrame, ReceiptFrame, ServerFrame, ServerFrameType, SyncedFrame, TrimmedFrame, TypingNoticeFrame, WelcomeFrame } from './server'
export { encodeFrame, parseClientFrame, parseServerFrame } from './parse'
export type { Parsed } from './parse'
