import { defineStore } from 'pinia'
import { useConnectionStore } from './connection'
import { useConversationsStore } from './conversations'

export interface ReceiptsEnv {
  /** Whether the page is visible to the person (read receipts are only sent then). */
  isVisible: () => boolean
}

/**
 * What this device tells the server about the peer's messages: `delivered` (this device has them)
 * and `read` (the person saw them in the open conversation). Receipts only move forward, and one
 * that cannot be sent now waits for the next connection.
 */
export const useReceiptsStore = defineStore('receipts', () => {
  const connection = useConnectionStore()
  const conversations = useConversationsStore()
  let env: ReceiptsEnv | undefined
  /** The conversation the person has open (the chat store's selection). */
  let openPeer: () => number | null = () => null
  /** Per peer, the newest seq this device has and the server has not been told of yet. */
  const pendingDelivered = new Map<number, number>()
  let readQueued = false

  function configure(newEnv: ReceiptsEnv, selection: () => number | null) {
    env = newEnv
    openPeer = selection
  }

  /** This device has the peer's messages up to `seq` (told with the next `sendDelivered`). */
  function delivered(peer: number, seq: number) {
    pendingDelivered.set(peer, Math.max(pendingDelivered.get(peer) ?? 0, seq))
  }

  /** Sends every delivered receipt owed; those the connection cannot take now stay owed. */
  function sendDelivered() {
    for (const [peer, seq] of pendingDelivered) {
      if (connection.send({ type: 'delivered', peer, seq })) pendingDelivered.delete(peer)
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
    const peer = openPeer()
    if (peer === null || !env?.isVisible()) return
    const conv = conversations.conversation(peer)
    // Read means seen: only up to the newest line actually shown, never beyond.
    const shown = conversations.shownSeq(peer)
    if (shown <= conv.selfRead) return
    if (connection.send({ type: 'read', peer, seq: shown })) conv.unread = 0
  }

  /** Another user on this page, or sign-out: nothing owed by the previous user is sent. */
  function reset() {
    pendingDelivered.clear()
  }

  return { configure, delivered, sendDelivered, markRead, reset }
})
