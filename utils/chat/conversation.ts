import type { ChatMessage } from '#shared/protocol'

/** What a conversation line shows about itself. */
export type ItemStatus = 'sending' | 'failed' | 'sent' | 'delivered' | 'read' | 'received'

/** What every line shows, direct or in a group: a stored message (with seq) or one in the outbox. */
export interface Line {
  /** Stable render key: the client id for own messages, the server id otherwise. */
  key: string
  id?: string
  seq?: number
  cid?: string
  from: number
  text: string
  ts: number
  /** Only for lines not stored yet. */
  pending?: 'sending' | 'failed'
  error?: string
}

/** One line of a direct conversation. */
export interface ChatItem extends Line {
  to: number
}

/** Receipt state of a conversation: how far the peer got with my messages. */
export interface Receipts {
  peerDelivered: number
  peerRead: number
}

/**
 * Adds a stored message to a conversation's lines, kept in seq order with the unsent lines last.
 * An own line waiting under the same cid becomes the stored message; a seq already present is
 * ignored. Returns whether anything changed. Pure apart from mutating `items`.
 */
export function mergeMessage(items: ChatItem[], message: ChatMessage): boolean {
  return mergeStored(items, {
    key: message.cid ?? message.id, id: message.id, seq: message.seq, cid: message.cid,
    from: message.from, to: message.to, text: message.text, ts: message.ts,
  })
}

/** The same for any kind of line: `item` is a stored line (it has a seq). */
export function mergeStored<T extends Line>(items: T[], item: T & { seq: number }): boolean {
  if (item.cid) {
    const own = items.findIndex(i => i.cid === item.cid)
    if (own >= 0) {
      if (items[own]!.seq !== undefined) return false
      items.splice(own, 1)
    }
  }
  if (items.some(i => i.seq === item.seq)) return false
  // Insert before the first line with a larger seq, or before the first unsent line.
  const at = items.findIndex(i => i.seq === undefined || i.seq > item.seq)
  if (at < 0) items.push(item)
  else items.splice(at, 0, item)
  return true
}

/** The status a line shows, from its own state and the conversation's receipts. */
export function itemStatus(item: ChatItem, me: number, receipts: Receipts): ItemStatus {
  if (item.pending) return item.pending
  if (item.from !== me) return 'received'
  const seq = item.seq ?? 0
  if (seq <= receipts.peerRead) return 'read'
  if (seq <= receipts.peerDelivered) return 'delivered'
  return 'sent'
}

/** A line the server has stored (it has an id and a seq), as opposed to one still in the outbox. */
export function isStored<T extends Line>(item: T): item is T & { id: string, seq: number } {
  return item.seq !== undefined && item.id !== undefined
}
