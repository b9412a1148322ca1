import { encodeFrame } from '#shared/protocol'
import type { DeliveredFrame, ReadFrame, SendFrame } from '#shared/protocol'
import type { Answer } from '../socket/connection'
import { sendErrorFrame, sendFrame } from '../socket/frames'
import type { Connection } from '../utils/pool'
import { forgetAudiences } from '../socket/presenceAudience'
import { useCluster } from '../cluster/cluster'
import { messagesStored, observeRelay } from '../metrics/registry'
import { deliver } from './deliver'
import { messageFrame, receiptFrame } from './frames'
import { BusyError } from './storage/groupCommit'
import { messagePositions } from './storage/reads'
import { recordReceipt } from './storage/receipts'
import { storeMessage } from './storage/writes'

/**
 * Stores the message; the answer acknowledges it with the server's id, seq and stream position,
 * and relays it. Stored before acknowledged; the server stamps id, seq, sender and time.
 */
export async function relayMessage(conn: Connection, frame: SendFrame): Promise<Answer> {
  // Received now: the work starts on arrival (socket/connection.ts).
  const receivedAt = performance.now()
  const from = conn.user.id
  if (frame.to === from) return () => sendErrorFrame(conn, 'self_message', 'You cannot send a message to yourself.', frame.cid)
  // Nothing is awaited before the message joins its batch: one sender's messages are stored in the
  // order they were sent. (The recipient is checked in the batch.)
  let stored
  try {
    stored = await storeMessage({ from, to: frame.to, cid: frame.cid, text: frame.text })
  }
  catch (error) {
    if (error instanceof BusyError) return () => sendErrorFrame(conn, 'busy', 'The server is busy; the message was not stored. Send it again shortly.', frame.cid)
    throw error
  }
  if ('unknownRecipient' in stored) return () => sendErrorFrame(conn, 'unknown_user', `No user with id ${frame.to}.`, frame.cid)
  const { message } = stored
  const ack = { type: 'ack', cid: frame.cid, id: message.id, seq: message.seq, ts: message.ts } as const
  if (stored.duplicate) {
    // A resend of a stored cid: acknowledged again, and its stored events relayed again (the
    // instance that stored it first may have died before relaying them; sockets that already
    // have those positions drop them).
    const positions = await messagePositions(message.id)
    return () => {
      sendFrame(conn, ack)
      deliver(positions.map(p => ({ userId: p.userId, pos: p.pos, text: encodeFrame(messageFrame(message, p.userId, p.pos)) })))
    }
  }
  messagesStored.direct.n++
  const own = stored.positions.find(p => p.userId === from)!
  // The first message of a conversation: the two now see each other's presence.
  if (message.seq === 1) {
    forgetAudiences([from, frame.to])
    // (The instances holding either of them start watching the other: cluster/watching.ts.)
    useCluster().publishContacts([from, frame.to])
  }
  return () => {
    deliver(
      stored.positions.map(p => ({ userId: p.userId, pos: p.pos, text: encodeFrame(messageFrame(message, p.userId, p.pos)) })),
      // The sending socket needs the ack, not also the message: the ack takes its place in that
      // socket's stream (so it carries the position), one frame instead of two.
      { conn, pos: own.pos, text: encodeFrame({ ...ack, pos: own.pos }), direct: encodeFrame(ack) },
    )
    observeRelay('direct', receivedAt)
  }
}

/** Records a delivered or read receipt; the answer relays the new receipt state to both people. */
export async function relayReceipt(conn: Connection, frame: DeliveredFrame | ReadFrame): Promise<Answer> {
  if (frame.peer === conn.user.id) return () => {}
  let events
  try {
    events = await recordReceipt({ userId: conn.user.id, peer: frame.peer, kind: frame.type, seq: frame.seq })
  }
  catch (error) {
    // Nothing is lost: receipts are cumulative, and the client's next one carries this one.
    if (error instanceof BusyError) return () => sendErrorFrame(conn, 'busy', 'The server is busy; the receipt was not recorded. A later receipt will carry it.')
    throw error
  }
  return () => deliver(events.map(e => ({ userId: e.userId, pos: e.pos, text: encodeFrame(receiptFrame(e.state, e.pos)) })))
}
