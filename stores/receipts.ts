import { defineStore } from 'pinia'
import { useConnectionStore } from './connection'
import { useConversationsStore } from './conversations'
import { useGroupsStore } from './groups'

export interface ReceiptsEnv {
  /** Whether the page is visible to the person (read receipts are only sent then). */
  isVisible: () => boolean
  setTimeout: (fn: () => void, ms: number) => unknown
  now: () => number
}

/**
 * Group delivered receipts go at most this often: in a group of 1,000 a receipt per line from every
 * member would be a thousand writes per message. Receipts are cumulative, so the next one carries
 * what waited.
 */
export const GROUP_DELIVERED_EVERY_MS = 2000

/** What is open in the pane: a person's user id, a group's id, or nothing. */
export type OpenConversation = () => number | string | null

/**
 * What this device tells the server about others' messages, in direct conversations and groups:
 * `delivered` (this device has them) and `read` (the person saw them in the open conversation).
 * Receipts only move forward, and one that cannot be sent now waits for the next connection.
 */
export const useReceiptsStore = defineStore('receipts', () => {
  const connection = useConnectionStore()
  const conversations = useConversationsStore()
  const groups = useGroupsStore()
  let env: ReceiptsEnv | undefined
  /** The conversation the person has open (the chat store's selection). */
  let opened: OpenConversation = () => null
  /** Per peer (or group), the newest seq this device has and the server has not been told of yet. */
  const pendingDelivered = new Map<number, number>()
  const pendingGroupDelivered = new Map<string, number>()
  let groupDeliveredAt = Number.NEGATIVE_INFINITY
  let groupDeliveredTimer = false
  let readQueued = false

  function configure(newEnv: ReceiptsEnv, selection: OpenConversation) {
    env = newEnv
    opened = selection
  }

  /** This device has the peer's messages up to `seq` (told with the next `sendDelivered`). */
  function delivered(peer: number, seq: number) {
    pendingDelivered.set(peer, Math.max(pendingDelivered.get(peer) ?? 0, seq))
  }

  /** This device has the group's lines up to `seq`. */
  function groupDelivered(conv: string, seq: number) {
    pendingGroupDelivered.set(conv, Math.max(pendingGroupDelivered.get(conv) ?? 0, seq))
  }

  /** Sends every delivered receipt owed; those the connection cannot take now stay owed. */
  function sendDelivered() {
    for (const [peer, seq] of pendingDelivered) {
      if (connection.send({ type: 'delivered', peer, seq })) pendingDelivered.delete(peer)
    }
    if (pendingGroupDelivered.size === 0 || !env) return
    const wait = groupDeliveredAt + GROUP_DELIVERED_EVERY_MS - env.now()
    if (wait > 0) {
      if (!groupDeliveredTimer) {
        groupDeliveredTimer = true
        env.setTimeout(() => {
          groupDeliveredTimer = false
          sendDelivered()
        }, wait)
      }
      return
    }
    groupDeliveredAt = env.now()
    for (const [conv, seq] of pendingGroupDelivered) {
      // A group one left takes no receipts (the server would ignore them).
      if (groups.byConv[conv]?.left || connection.send({ type: 'groupDelivered', conv, seq })) pendingGroupDelivered.delete(conv)
    }
  }

  /** Tells the server the open conversation was read (once per tick, however many lines came). */
  function markRead() {
    if (readQueued) return
    readQueued = true
    queueMicrotask(() => {
      readQueued = false
      sendRead()
    })
  }

  /** Sends the read receipt, when the person can actually see the conversation. */
  function sendRead() {
    const open = opened()
    if (open === null || !env?.isVisible()) return
    if (typeof open === 'string') return sendGroupRead(open)
    const conv = conversations.conversation(open)
    // Read means seen: only up to the newest line actually shown, never beyond.
    const shown = conversations.shownSeq(open)
    if (shown <= conv.selfRead) return
    if (connection.send({ type: 'read', peer: open, seq: shown })) conv.unread = 0
  }

  function sendGroupRead(conv: string) {
    const group = groups.byConv[conv]
    if (!group || group.left) return
    const shown = groups.shownSeq(conv)
    if (shown <= group.read) return
    if (connection.send({ type: 'groupRead', conv, seq: shown })) groups.markedRead(conv, shown)
  }

  /** Another user on this page, or sign-out: nothing owed by the previous user is sent. */
  function reset() {
    pendingDelivered.clear()
    pendingGroupDelivered.clear()
  }

  return { configure, delivered, groupDelivered, sendDelivered, markRead, reset }
})
