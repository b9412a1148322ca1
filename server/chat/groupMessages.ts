import type { GroupDeliveredFrame, GroupReadFrame, GroupSendFrame } from '#shared/protocol'
import type { Answer } from '../socket/connection'
import { sendErrorFrame, sendFrame } from '../socket/frames'
import type { Connection } from '../utils/pool'
import { messagesStored, observeRelay } from '../metrics/registry'
import { deliverLine, encodeLine } from './groupDeliver'
import { relayGroupReceiptChange } from './groupReceipts'
import { BusyError } from './storage/groupCommit'
import { storeGroupMessage, storeGroupReceipt } from './storage/groups'

/**
 * Stores a group message (group commit; nothing awaited before it joins its batch, so one
 * sender's messages keep their order), fans it out to the members as soon as it is stored, and
 * answers with the ack. The fan-out does not wait its turn in the sender's answer queue (behind a
 * replay paced to a slow reader, say): a line held there would open a gap at every member's socket,
 * each then reading it from storage. Its seq already fixes its place.
 */
export async function relayGroupMessage(conn: Connection, frame: GroupSendFrame): Promise<Answer> {
  // Received now: the work starts on arrival (socket/connection.ts).
  const receivedAt = performance.now()
  let stored
  try {
    stored = await storeGroupMessage({ from: conn.user.id, conv: frame.conv, cid: frame.cid, text: frame.text })
  }
  catch (error) {
    if (error instanceof BusyError) return () => sendErrorFrame(conn, 'busy', 'The server is busy; the message was not stored. Send it again shortly.', frame.cid)
    throw error
  }
  if ('notMember' in stored) return () => sendErrorFrame(conn, 'not_member', 'You are not a member of this group.', frame.cid)
  const { message } = stored
  // A resend of a stored cid is relayed again too: the first relay may have died with its
  // instance; sockets that have the line drop it.
  deliverLine(encodeLine(message), conn)
  const fresh = !stored.duplicate
  if (fresh) messagesStored.group.n++
  return () => {
    sendFrame(conn, { type: 'ack', cid: frame.cid, id: message.id, seq: message.seq, ts: message.ts })
    // The fan-out above is done by now (unless the members had to be read first).
    if (fresh) observeRelay('group', receivedAt)
  }
}

/** Records a member's receipt in a group; the answer tells the group (coalesced for big groups). */
export async function relayGroupReceipt(conn: Connection, frame: GroupDeliveredFrame | GroupReadFrame): Promise<Answer> {
  let moved
  try {
    moved = await storeGroupReceipt({ userId: conn.user.id, conv: frame.conv, kind: frame.type === 'groupRead' ? 'read' : 'delivered', seq: frame.seq })
  }
  catch (error) {
    if (error instanceof BusyError) return () => sendErrorFrame(conn, 'busy', 'The server is busy; the receipt was not recorded. A later receipt will carry it.')
    throw error
  }
  return () => {
    if (moved) relayGroupReceiptChange(frame.conv, conn.user.id, moved.delivered, moved.read)
  }
}
