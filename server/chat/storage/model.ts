import type { ReceiptState } from '#shared/protocol'
import type { StreamPosition } from './events'
import type { StoredMessage } from './rows'

/** What the writes take and give back, the same on SQLite (sqlite/writes.ts) and PostgreSQL. */

/** One message to store, as the relay received it. */
export interface StoreInput { from: number, to: number, cid: string, text: string }

export type StoreResult = {
  message: StoredMessage
  /** Where the message landed in each participant's stream (empty for a duplicate). */
  positions: StreamPosition[]
  /** The sender had sent this cid before: the stored message is returned, nothing new written. */
  duplicate: boolean
} | {
  /**
   * No user has the recipient's id: nothing written. Checked in the batch, so a send needs no
   * query before it joins one (a query there would let one sender's messages overtake each other).
   */
  unknownRecipient: true
}

/** A receipt as a client sent it: `userId` received (or read) the conversation with `peer` up to `seq`. */
export interface ReceiptInput { userId: number, peer: number, kind: 'delivered' | 'read', seq: number }

/** A receipt change as one participant's stream records it. */
export interface ReceiptEvent { userId: number, pos: number, state: ReceiptState }

/** A result that names a message (stored now, or before). */
export type StoredResult = Extract<StoreResult, { message: unknown }>
