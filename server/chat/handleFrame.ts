import type { ClientFrame } from '#shared/protocol'
import { sendFrame } from '../socket/frames'
import type { Answer } from '../socket/connection'
import type { Connection } from '../utils/pool'
import { relayGroupMessage, relayGroupReceipt } from './groupMessages'
import { relayMessage, relayReceipt } from './messages'
import { resume } from './replay'
import { noteView, relayTyping } from './typing'

/**
 * Acts on one validated frame of a connection. The work starts at once (a message joins the
 * current group-commit batch while earlier frames are still being written); what it resolves to is
 * the answer, which the connection runs in frame order (socket/connection.ts).
 */
export async function handleFrame(conn: Connection, frame: ClientFrame): Promise<Answer> {
  switch (frame.type) {
    case 'ping':
      return () => sendFrame(conn, { type: 'pong' })
    case 'resume':
      // Started only at its turn (the connection defers it): a replay must follow every earlier answer.
      await resume(conn, frame.cursor, frame.groups)
      return () => {}
    case 'send':
      return relayMessage(conn, frame)
    case 'delivered':
    case 'read':
      return relayReceipt(conn, frame)
    case 'groupSend':
      return relayGroupMessage(conn, frame)
    case 'groupDelivered':
    case 'groupRead':
      return relayGroupReceipt(conn, frame)
    case 'view':
      return noteView(conn, frame)
    case 'typing':
      return relayTyping(conn, frame)
  }
}
