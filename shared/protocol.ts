/**
 * The Jizhan wire protocol: every frame in both directions, defined once and validated at runtime
 * by the server (client frames) and by the browser store (server frames). docs/protocol.md is the
 * prose version of this file.
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
/** Most events the server sends per resume batch, and most messages per history page. */
export const RESUME_BATCH = 200
export const HISTORY_PAGE_MAX = 100

/**
 * Application close codes (RFC 6455 §7.4.2 reserves 4000–4999 for applications).
 * Standard codes used as well: 1000 normal, 1012 service restart (shutdown drain), 1008 policy violation
 * (too many invalid frames in a row), 1009 frame too big, 1011 internal error.
 */
export const CloseCode = {
  /** The session ended (sign-out or expiry): the client must not reconnect. */
  SessionEnded: 4001,
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
  'self_message', // a message to oneself
  'rate_limited', // too many frames or messages: the frame was not processed; slow down and resend
  'session_ended', // sent just before a close with CloseCode.SessionEnded
  'internal', // the server failed; the frame was not processed
] as const
export type ErrorCode = typeof ERROR_CODES[number]

export interface PublicUser {
  id: number
  username: string
}

// ---- client → server ---------------------------------------------------------------------------

export const CLIENT_FRAME_TYPES = ['ping', 'resume', 'send', 'delivered', 'read'] as const
export type ClientFrameType = typeof CLIENT_FRAME_TYPES[number]

export interface PingFrame { type: 'ping' }
/** Starts (or restarts) the event stream after `cursor`: the last `pos` this device has. */
export interface ResumeFrame { type: 'resume', cursor: number }
export interface SendFrame {
  type: 'send'
  /**
   * Client-generated id, unique per sender: echoed in the ack or error, and the key by which the
   * server recognises a resend of a message it already stored.
   */
  cid: string
  to: number
  text: string
}
/** Receipts, cumulative per conversation: everything up to `seq` reached this device / was read. */
export interface DeliveredFrame { type: 'delivered', peer: number, seq: number }
export interface ReadFrame { type: 'read', peer: number, seq: number }
export type ClientFrame = PingFrame | ResumeFrame | SendFrame | DeliveredFrame | ReadFrame

// ---- server → client ---------------------------------------------------------------------------

export const SERVER_FRAME_TYPES = ['welcome', 'pong', 'presence', 'message', 'receipt', 'synced', 'ack', 'error'] as const
export type ServerFrameType = typeof SERVER_FRAME_TYPES[number]

export interface WelcomeFrame {
  type: 'welcome'
  user: PublicUser
  online: PublicUser[]
  heartbeat: { intervalMs: number, timeoutMs: number }
  /** Position of the newest event in the user's stream now. */
  head: number
  /** Which server instance holds this socket (for diagnostics; several run behind one address). */
  instance?: string
}
export interface PongFrame { type: 'pong' }
export interface PresenceFrame { type: 'presence', user: PublicUser, online: boolean }
export interface ChatMessage {
  /** Server-assigned id. */
  id: string
  /** Position in the conversation, from 1, without gaps: the order to show messages in. */
  seq: number
  from: number
  to: number
  text: string
  /** Server time in ms since the epoch. */
  ts: number
  /** The sender's client id; present on the copies the sender's own connections receive. */
  cid?: string
}
/** A conversation's receipt state as seen by one of its two users. */
export interface ReceiptState {
  /** The other user. */
  peer: number
  /** The conversation's newest seq when this state was read (the unread count is relative to it). */
  lastSeq: number
  /** My messages up to this seq reached one of the peer's devices / were read by the peer. */
  peerDelivered: number
  peerRead: number
  /** I have read the conversation up to this seq (on any of my devices). */
  selfRead: number
  /** The peer's messages after selfRead. */
  unread: number
}

/** One entry of GET /api/conversations: the receipt state and the newest message. */
export interface ConversationSummary extends ReceiptState {
  last: ChatMessage | null
}

/** A message event of the user's stream; `pos` is its position there. */
export interface MessageFrame extends ChatMessage { type: 'message', pos: number }
/** Receipt state of one conversation, as seen by the receiving user; an event of their stream. */
export interface ReceiptFrame extends ReceiptState {
  type: 'receipt'
  pos: number
}
/** The resume replay is complete: everything up to `head` was sent; live events follow. */
export interface SyncedFrame { type: 'synced', head: number }
export interface AckFrame { type: 'ack', cid: string, id: string, seq: number, ts: number }
export interface ErrorFrame { type: 'error', code: ErrorCode, message: string, cid?: string }
export type ServerFrame = WelcomeFrame | PongFrame | PresenceFrame | MessageFrame | ReceiptFrame | SyncedFrame | AckFrame | ErrorFrame

// ---- validation --------------------------------------------------------------------------------

export type Parsed<T> = { ok: true, frame: T } | { ok: false, code: ErrorCode, message: string, cid?: string }

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const isId = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0
const isUser = (v: unknown): v is PublicUser => isObj(v) && isId(v.id) && typeof v.username === 'string'
const isCid = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_CID_LENGTH

function bad<T>(message: string, cid?: string): Parsed<T> {
  return cid === undefined ? { ok: false, code: 'bad_frame', message } : { ok: false, code: 'bad_frame', message, cid }
}

function parseJson(text: string): { ok: true, value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) }
  }
  catch {
    return { ok: false }
  }
}

/** Validates a frame a client sent. Never throws; the error names the problem. */
export function parseClientFrame(text: string): Parsed<ClientFrame> {
  const json = parseJson(text)
  if (!json.ok) return { ok: false, code: 'bad_json', message: 'frame is not valid JSON' }
  const f = json.value
  if (!isObj(f)) return bad('frame must be a JSON object')
  switch (f.type) {
    case 'ping':
      return { ok: true, frame: { type: 'ping' } }
    case 'resume':
      if (!isCount(f.cursor)) return bad('resume.cursor must be a non-negative integer')
      return { ok: true, frame: { type: 'resume', cursor: f.cursor } }
    case 'delivered':
    case 'read':
      if (!isId(f.peer)) return bad(`${f.type}.peer must be a positive integer user id`)
      if (!isId(f.seq)) return bad(`${f.type}.seq must be a positive integer`)
      return { ok: true, frame: { type: f.type, peer: f.peer, seq: f.seq } }
    case 'send': {
      const cid = isCid(f.cid) ? f.cid : undefined
      if (cid === undefined) return bad(`send.cid must be a string of 1–${MAX_CID_LENGTH} characters`)
      if (!isId(f.to)) return bad('send.to must be a positive integer user id', cid)
      if (typeof f.text !== 'string') return bad('send.text must be a string', cid)
      if (f.text.trim().length === 0) return bad('send.text must not be empty', cid)
      if (f.text.length > MAX_TEXT_LENGTH) return bad(`send.text is longer than ${MAX_TEXT_LENGTH} characters`, cid)
      return { ok: true, frame: { type: 'send', cid, to: f.to, text: f.text } }
    }
    default:
      return bad(typeof f.type === 'string'
        ? `unknown frame type "${f.type.slice(0, 32)}"; expected one of ${CLIENT_FRAME_TYPES.join(', ')}`
        : 'frame.type must be a string')
  }
}

/** Validates a frame the server sent, so a broken or hostile server cannot corrupt the client state. */
export function parseServerFrame(text: string): Parsed<ServerFrame> {
  const json = parseJson(text)
  if (!json.ok) return { ok: false, code: 'bad_json', message: 'frame is not valid JSON' }
  const f = json.value
  if (!isObj(f)) return bad('frame must be a JSON object')
  switch (f.type) {
    case 'welcome': {
      const hb = f.heartbeat
      if (!isUser(f.user) || !Array.isArray(f.online) || !f.online.every(isUser) || !isObj(hb)
        || !isId(hb.intervalMs) || !isId(hb.timeoutMs) || !isCount(f.head)
        || (f.instance !== undefined && typeof f.instance !== 'string')) return bad('malformed welcome')
      return { ok: true, frame: f as unknown as WelcomeFrame }
    }
    case 'pong':
      return { ok: true, frame: { type: 'pong' } }
    case 'presence':
      if (!isUser(f.user) || typeof f.online !== 'boolean') return bad('malformed presence')
      return { ok: true, frame: f as unknown as PresenceFrame }
    case 'message':
      if (typeof f.id !== 'string' || !isId(f.pos) || !isId(f.seq) || !isId(f.from) || !isId(f.to) || typeof f.text !== 'string'
        || typeof f.ts !== 'number' || (f.cid !== undefined && !isCid(f.cid))) return bad('malformed message')
      return { ok: true, frame: f as unknown as MessageFrame }
    case 'receipt':
      if (!isId(f.pos) || !isId(f.peer) || !isCount(f.lastSeq) || !isCount(f.peerDelivered) || !isCount(f.peerRead)
        || !isCount(f.selfRead) || !isCount(f.unread)) return bad('malformed receipt')
      return { ok: true, frame: f as unknown as ReceiptFrame }
    case 'synced':
      if (!isCount(f.head)) return bad('malformed synced')
      return { ok: true, frame: { type: 'synced', head: f.head } }
    case 'ack':
      if (!isCid(f.cid) || typeof f.id !== 'string' || !isId(f.seq) || typeof f.ts !== 'number') return bad('malformed ack')
      return { ok: true, frame: f as unknown as AckFrame }
    case 'error':
      if (!(ERROR_CODES as readonly unknown[]).includes(f.code) || typeof f.message !== 'string'
        || (f.cid !== undefined && !isCid(f.cid))) return bad('malformed error')
      return { ok: true, frame: f as unknown as ErrorFrame }
    default:
      return bad('unknown frame type')
  }
}

/** The one place frames are serialised: always a string, so crossws sends a text frame. */
export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame)
}
