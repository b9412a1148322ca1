import * as v from 'valibot'
import { firstProblem } from '../schema'
import { CLIENT_SCHEMAS, SendSchema } from './client'
import type { ClientFrame } from './client'
import type { ErrorCode } from './codes'
import { SERVER_SCHEMAS } from './server'
import type { ServerFrame } from './server'

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
