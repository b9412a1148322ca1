import type { MessageFrame, ReceiptFrame, ReceiptState } from '#shared/protocol'
import type { StoredMessage } from './storage/rows'

/** Wire frames built from what storage returns; storage itself knows nothing of the protocol. */

/** The message as one participant's device receives it: the cid only goes back to the sender. */
export function messageFrame(message: StoredMessage, forUser: number, pos: number): MessageFrame {
  const { cid, ...rest } = message
  return forUser === message.from ? { type: 'message', pos, ...rest, cid } : { type: 'message', pos, ...rest }
}

/** A receipt event of the user's stream. */
export function receiptFrame(state: ReceiptState, pos: number): ReceiptFrame {
  return { type: 'receipt', pos, ...state }
}
