import type { ClientFrame } from '#shared/protocol'
import { sendFrame } from '../socket/frames'
import type { Connection } from '../utils/pool'
import { relayMessage, relayReceipt } from './messages'
import { resume } from './replay'

/** Acts on one validated frame of a connection (in the connection's frame order). */
export async function handleFrame(conn: Connection, frame: ClientFrame): Promise<void> {
  switch (frame.type) {
    case 'ping':
      return sendFrame(conn, { type: 'pong' })
    case 'resume':
      return resume(conn, frame.cursor)
    case 'send':
      return relayMessage(conn, frame)
    case 'delivered':
    case 'read':
      return relayReceipt(conn, frame)
  }
}
