import { encodeFrame } from '#shared/protocol'
import type { ErrorCode, ServerFrame } from '#shared/protocol'
import type { Connection } from '../utils/pool'

/** Sends one frame to one connection. */
export function sendFrame(conn: Connection, frame: ServerFrame): void {
  conn.send(encodeFrame(frame))
}

/** Sends an error frame; `cid` names the message it is about. */
export function sendErrorFrame(conn: Connection, code: ErrorCode, message: string, cid?: string): void {
  sendFrame(conn, cid === undefined ? { type: 'error', code, message } : { type: 'error', code, message, cid })
}
