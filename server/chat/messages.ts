import { encodeFrame } from '#shared/protocol'
import type { DeliveredFrame, ReadFrame, SendFrame } from '#shared/protocol'
import { userExists } from '../auth/users'
import { sendErrorFrame, sendFrame } from '../socket/frames'
import type { Connection } from '../utils/pool'
import { deliver } from './deliver'
import { messageFrame, receiptFrame } from './frames'
import { BusyError } from './storage/groupCommit'
import { messagePositions } from './storage/reads'
import { recordReceipt } from './storage/receipts'
import { storeMessage } from './storage/writes'

/** Stores the message, acknowledges it with the server's id and seq, then relays it. */
export async function relayMessage(conn: Connection, frame: SendFrame): Promise<void> {
  const from = conn.user.id
  if (frame.to === from) return sendErrorFrame(conn, 'self_message', 'You cannot send a message to yourself.', frame.cid)
  if (!await userExists(frame.to)) return sendErrorFrame(conn, 'unknown_user', `No user with id ${frame.to}.`, frame.cid)

  // Stored before acknowledged; the server stamps id, seq, sender and time. A resend of a stored
  // cid is acknowledged again with the stored message.
  let stored
  try {
    stored = await storeMessage({ from, to: frame.to, cid: frame.cid, text: frame.text })
  }
  catch (error) {
    if (error instanceof BusyError) return sendErrorFrame(conn, 'busy', 'The server is busy; the message was not stored. Send it again shortly.', frame.cid)
    throw error
  }
  const { message } = stored
  sendFrame(conn, { type: 'ack', cid: frame.cid, id: message.id, seq: message.seq, ts: message.ts })
  // A resend is relayed again too: the instance that stored it first may have died before relaying
  // it. Sockets that already have those positions drop them.
  const positions = stored.duplicate ? await messagePositions(message.id) : stored.positions
  deliver(positions.map(p => ({ userId: p.userId, pos: p.pos, text: encodeFrame(messageFrame(message, p.userId, p.pos)) })))
}

/** Records a delivered or read receipt and relays the new receipt state to both people. */
export async function relayReceipt(conn: Connection, frame: DeliveredFrame | ReadFrame): Promise<void> {
  if (frame.peer === conn.user.id) return
  const events = await recordReceipt({ userId: conn.user.id, peer: frame.peer, kind: frame.type, seq: frame.seq })
  deliver(events.map(e => ({ userId: e.userId, pos: e.pos, text: encodeFrame(receiptFrame(e.state, e.pos)) })))
}
