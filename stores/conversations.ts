import { defineStore } from 'pinia'
import { computed, reactive } from 'vue'
import type { ChatMessage, ConversationSummary, ReceiptState } from '#shared/protocol'
import type { ChatCache } from '../utils/chat/chatCache'
import { isStored, itemStatus, mergeMessage } from '../utils/chat/conversation'
import type { ChatItem, ItemStatus } from '../utils/chat/conversation'
import { HISTORY_PAGE, loadPage, oldestSeq } from '../utils/chat/history'
import type { LoadError, Paged } from '../utils/chat/history'
import { useContactsStore } from './contacts'

/** The history endpoint, injected so the store also runs outside a browser. */
export interface HistoryApi {
  /** Oldest first: the newest page, or the page before `beforeSeq`. */
  history(peer: number, beforeSeq: number | null, limit: number): Promise<ChatMessage[]>
}

export interface ConversationsEnv {
  api: HistoryApi
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (id: unknown) => void
}

export type { LoadError }
export { HISTORY_PAGE }

export interface Conversation extends Omit<ConversationSummary, 'last' | 'peerName' | 'peerOnline'>, Paged {
  items: ChatItem[]
  /** When the newest line known was written (ms), or the conversation was started here: the list's order. */
  activity: number
}
/** Recent lines are written to storage at most this often. */
const SAVE_RECENT_AFTER_MS = 300

/**
 * The conversations of the signed-in user: their lines in order (stored messages from history pages
 * and the stream, own lines still in the outbox), receipt state and unread counts, and the newest
 * lines kept in storage for offline reloads. The chat store decides when things happen; this one
 * keeps the lines consistent. A failed history page is kept as `loadError`, never thrown.
 */
export const useConversationsStore = defineStore('conversations', () => {
  const people = useContactsStore()
  /** Every conversation this page knows, by the other person's id. */
  const byPeer = reactive<Record<number, Conversation>>({})
  let env: ConversationsEnv | undefined
  let cache: ChatCache | undefined
  let stopRecentSave: (() => void) | undefined

  function need(): ConversationsEnv {
    if (!env) throw new Error('conversations store: call configure() first')
    return env
  }

  function configure(newEnv: ConversationsEnv) {
    env = newEnv
  }

  /** Unread count per peer. */
  const unread = computed(() => Object.fromEntries(Object.values(byPeer).map(c => [c.peer, c.unread])))

  function conversation(peer: number): Conversation {
    return byPeer[peer] ??= { peer, lastSeq: 0, peerDelivered: 0, peerRead: 0, selfRead: 0, unread: 0, items: [], loaded: false, hasOlder: true, loadError: null, activity: 0 }
  }

  /** What a line shows about itself: sending, failed, sent, delivered, read or received. */
  function statusOf(item: ChatItem): ItemStatus {
    const conv = byPeer[item.from === people.me?.id ? item.to : item.from]
    return itemStatus(item, people.me?.id ?? 0, conv ?? { peerDelivered: 0, peerRead: 0 })
  }

  /** Shows the lines an earlier page of this user kept (so a reload without network has them). */
  function open(userCache: ChatCache) {
    cache = userCache
    for (const c of cache.loadRecent()) {
      const conv = conversation(c.peer)
      for (const m of c.messages) mergeMessage(conv.items, m)
      conv.lastSeq = Math.max(conv.lastSeq, ...c.messages.map(m => m.seq))
      conv.peerDelivered = Math.max(conv.peerDelivered, c.peerDelivered)
      conv.peerRead = Math.max(conv.peerRead, c.peerRead)
      conv.activity = Math.max(conv.activity, ...c.messages.map(m => m.ts))
    }
  }

  /** Adds a stored message (once, in seq order); true when it is newer than any this device knew. */
  function addMessage(peer: number, message: ChatMessage): boolean {
    const conv = conversation(peer)
    const wasNew = message.seq > conv.lastSeq
    conv.lastSeq = Math.max(conv.lastSeq, message.seq)
    conv.activity = Math.max(conv.activity, message.ts)
    if (mergeMessage(conv.items, message)) saveRecentSoon()
    return wasNew
  }

  /** Receipt state from the server; its unread count is exact as of its `lastSeq`. */
  function applyReceipts(peer: number, r: ReceiptState & { last?: ChatMessage | null }) {
    const conv = conversation(peer)
    if (r.last) conv.activity = Math.max(conv.activity, r.last.ts)
    saveRecentSoon()
    // Messages up to lastSeq are counted in `unread` already; only later ones may add to it.
    conv.lastSeq = Math.max(conv.lastSeq, r.lastSeq)
    conv.peerDelivered = Math.max(conv.peerDelivered, r.peerDelivered)
    conv.peerRead = Math.max(conv.peerRead, r.peerRead)
    if (r.selfRead >= conv.selfRead) {
      conv.selfRead = r.selfRead
      conv.unread = r.unread
    }
  }

  /** The newest seq the pane shows (0 until the newest page is loaded): what "read" may claim. */
  function shownSeq(peer: number): number {
    const conv = conversation(peer)
    return conv.loaded ? conv.items.reduce((max, i) => Math.max(max, i.seq ?? 0), 0) : 0
  }

  // ---- history -----------------------------------------------------------------------------------

  /** Loads the newest page unless it is loaded; resolves false when it failed. Never rejects. */
  async function loadNewest(peer: number): Promise<boolean> {
    const conv = conversation(peer)
    return conv.loaded || loadPageOf(conv, null)
  }

  /**
   * Loads the page before the oldest line shown (scrolling up). Resolves false when there is none,
   * or while a failed load waits for a retry; never rejects.
   */
  async function loadOlder(peer: number): Promise<boolean> {
    const conv = conversation(peer)
    const oldest = oldestSeq(conv.items)
    if (!conv.hasOlder || oldest === 1 || conv.loadError) return false
    return loadPageOf(conv, oldest)
  }

  /** Which page failed to load, clearing it for another try. */
  function takeLoadError(peer: number): LoadError | null {
    const conv = conversation(peer)
    const failed = conv.loadError
    conv.loadError = null
    return failed
  }

  function loadPageOf(conv: Conversation, beforeSeq: number | null): Promise<boolean> {
    return loadPage(conv, beforeSeq, () => need().api.history(conv.peer, beforeSeq, HISTORY_PAGE), (page) => {
      for (const m of page) mergeMessage(conv.items, m)
      saveRecentSoon()
      const newest = page.at(-1)
      if (newest) {
        conv.lastSeq = Math.max(conv.lastSeq, newest.seq)
        conv.activity = Math.max(conv.activity, newest.ts)
      }
    })
  }

  /**
   * Retention deleted messages this page had not seen, and maybe some it shows: every conversation
   * forgets its stored lines and reads its newest page again when shown. Lines still in the
   * outbox stay; counts come with the next summaries.
   */
  function dropStored() {
    for (const conv of Object.values(byPeer)) {
      conv.items = conv.items.filter(i => !isStored(i))
      Object.assign(conv, { loaded: false, hasOlder: true, loadError: null })
    }
    saveRecentSoon()
  }

  // ---- storage -----------------------------------------------------------------------------------

  /** Keeps the newest lines for offline reloads (written at most every 300 ms). */
  function saveRecentSoon() {
    if (stopRecentSave || !cache) return
    const e = need()
    const id = e.setTimeout(saveRecentNow, SAVE_RECENT_AFTER_MS)
    stopRecentSave = () => e.clearTimeout(id)
  }

  /**
   * Writes a save that is waiting, now: the page is going away (reload, tab closed or hidden), and
   * a line that arrived in its last 300 ms must still be there if the next page loads offline.
   */
  function saveRecentNow() {
    if (!stopRecentSave) return
    stopRecentSave()
    stopRecentSave = undefined
    cache?.saveRecent(Object.values(byPeer).map(c => ({
      peer: c.peer, messages: c.items.filter(isStored), peerDelivered: c.peerDelivered, peerRead: c.peerRead,
    })))
  }

  /** Forgets every conversation; nothing is saved after it (a queued save is cancelled). */
  function reset() {
    for (const conv of Object.values(byPeer)) Reflect.deleteProperty(byPeer, conv.peer)
    stopRecentSave?.()
    stopRecentSave = undefined
    cache = undefined
  }

  return {
    byPeer, unread,
    configure, conversation, statusOf, open, addMessage, applyReceipts, shownSeq, loadNewest, loadOlder, takeLoadError, dropStored, saveRecentNow, reset,
  }
})
