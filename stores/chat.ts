import { defineStore } from 'pinia'
import { computed, onScopeDispose, reactive, ref, watch } from 'vue'
import type { ChatMessage, ConversationSummary, ErrorFrame, MessageFrame, PublicUser, ReceiptFrame, ReceiptState, ServerFrame } from '#shared/protocol'
import { createChatCache } from '../utils/chat/chatCache'
import type { ChatCache } from '../utils/chat/chatCache'
import { isStored, itemStatus, mergeMessage } from '../utils/chat/conversation'
import type { ChatItem, ItemStatus } from '../utils/chat/conversation'
import type { OutboxEntry } from '../utils/chat/outbox'
import { createStreamCursor } from '../utils/chat/streamCursor'
import { useConnectionStore } from './connection'
import { useContactsStore } from './contacts'
import type { Contact } from './contacts'
import { useSenderStore } from './sender'
import type { SenderEnv } from './sender'

/** The HTTP side of the chat, injected so the store also runs outside a browser. */
export interface ChatApi {
  users(): Promise<Contact[]>
  conversations(): Promise<ConversationSummary[]>
  /** Oldest first: the newest page, or the page before `beforeSeq`. */
  history(peer: number, beforeSeq: number | null, limit: number): Promise<ChatMessage[]>
}

/** Everything the chat needs from the outside world: HTTP, storage, visibility, ids and timers. */
export interface ChatEnv extends SenderEnv {
  api: ChatApi
  /** Whether the page is visible to the person (read receipts are only sent then). */
  isVisible: () => boolean
}

/** Which history page of a conversation failed to load: the pane shows it with a Retry. */
export type LoadError = 'newest' | 'older'

interface Conversation extends Omit<ConversationSummary, 'last'> {
  items: ChatItem[]
  /** The newest page was loaded; more older pages exist while `hasOlder`. */
  loaded: boolean
  hasOlder: boolean
  loadError: LoadError | null
}

export const HISTORY_PAGE = 50
/** Recent lines are written to storage at most this often. */
const SAVE_RECENT_AFTER_MS = 300

/**
 * Conversations: their lines (history pages, the live stream, own lines still in the outbox), unread
 * counts and receipts. Receives the user's event stream through the connection store, in order by
 * the stream cursor (resuming from it after every reconnect); sends through the sender store; keeps
 * people and presence in the contacts store.
 */
export const useChatStore = defineStore('chat', () => {
  const connection = useConnectionStore()
  const people = useContactsStore()
  const sender = useSenderStore()
  const conversations = reactive<Record<number, Conversation>>({})
  const selectedId = ref<number | null>(null)
  /** The latest line for the screen-reader live region. */
  const announcement = ref('')
  /** The stream replay after a (re)connect is complete. */
  const synced = ref(false)

  let env: ChatEnv | undefined
  let cache: ChatCache | undefined
  const stream = createStreamCursor()
  /** Per peer, the newest seq this device has and the server has not been told of yet. */
  const pendingDelivered = new Map<number, number>()
  let stopRecentSave: (() => void) | undefined

  function need(): ChatEnv {
    if (!env) throw new Error('chat store: call configure() first')
    return env
  }

  /** Injects the environment (for this store and the sender); call once before `setMe`. */
  function configure(newEnv: ChatEnv) {
    env = newEnv
    sender.configure(newEnv)
  }

  const unread = computed(() => Object.fromEntries(Object.values(conversations).map(c => [c.peer, c.unread])))
  const selected = computed<Contact | null>(() => selectedId.value === null
    ? null
    : people.contacts[selectedId.value] ?? { id: selectedId.value, username: `user ${selectedId.value}`, online: false })
  const selectedConversation = computed(() => selectedId.value === null ? null : conversations[selectedId.value] ?? null)
  const selectedItems = computed(() => selectedConversation.value?.items ?? [])

  function conversation(peer: number): Conversation {
    return conversations[peer] ??= { peer, lastSeq: 0, peerDelivered: 0, peerRead: 0, selfRead: 0, unread: 0, items: [], loaded: false, hasOlder: true, loadError: null }
  }

  function statusOf(item: ChatItem): ItemStatus {
    const conv = conversations[item.from === people.me?.id ? item.to : item.from]
    return itemStatus(item, people.me?.id ?? 0, conv ?? { peerDelivered: 0, peerRead: 0 })
  }

  /** Keeps the newest lines for offline reloads (written at most every 300 ms). */
  function saveRecentSoon() {
    if (stopRecentSave || !cache) return
    const e = need()
    const id = e.setTimeout(() => {
      stopRecentSave = undefined
      cache?.saveRecent(Object.values(conversations).map(c => ({
        peer: c.peer, messages: c.items.filter(isStored), peerDelivered: c.peerDelivered, peerRead: c.peerRead,
      })))
    }, SAVE_RECENT_AFTER_MS)
    stopRecentSave = () => e.clearTimeout(id)
  }

  /** Loads people and conversation summaries over HTTP. */
  async function refresh() {
    const api = need().api
    const [users, summaries] = await Promise.all([api.users(), api.conversations()])
    people.setContacts(users)
    for (const s of summaries) {
      const conv = conversation(s.peer)
      conv.lastSeq = Math.max(conv.lastSeq, s.lastSeq)
      applyReceipts(conv, s)
      // This device now knows of every message up to lastSeq (some may have come before the
      // stream cursor of a fresh page): that is what "delivered" means. Receipts only move forward.
      if (s.lastSeq > 0) pendingDelivered.set(s.peer, Math.max(pendingDelivered.get(s.peer) ?? 0, s.lastSeq))
    }
    sendDelivered()
  }

  /** Receipt state from the server; its unread count is exact as of its `lastSeq`. */
  function applyReceipts(conv: Conversation, r: ReceiptState) {
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

  // ---- history -----------------------------------------------------------------------------------

  /** Opens a conversation: shows its newest page and marks it read. */
  async function select(peer: number | null) {
    selectedId.value = peer
    if (peer === null) return
    const conv = conversation(peer)
    // History is read only once the stream is synced: the page then covers everything up to the
    // stream's head, and the stream everything after it — no message can fall between the two.
    // Until then (or while offline) the conversation shows what it has; `synced` loads it.
    if (!conv.loaded && synced.value && !await loadPage(conv, null)) return
    markRead()
  }

  /**
   * Loads the page before the oldest line shown (scrolling up). Resolves false when there is none,
   * or while a failed load waits for `retryLoad`; never rejects.
   */
  async function loadOlder(peer: number): Promise<boolean> {
    const conv = conversation(peer)
    const oldest = conv.items.find(i => i.seq !== undefined)?.seq
    if (!conv.hasOlder || oldest === 1 || conv.loadError) return false
    return loadPage(conv, oldest ?? null)
  }

  /** Tries the page that failed to load again (the pane's Retry). */
  async function retryLoad(peer: number) {
    const conv = conversation(peer)
    const failed = conv.loadError
    conv.loadError = null
    if (failed === 'older') await loadOlder(peer)
    else if (failed === 'newest' && selectedId.value === peer) await select(peer)
  }

  /** Loads one page; a failure is kept on the conversation (for the pane to show), not thrown. */
  async function loadPage(conv: Conversation, beforeSeq: number | null): Promise<boolean> {
    let page: ChatMessage[]
    try {
      page = await need().api.history(conv.peer, beforeSeq, HISTORY_PAGE)
    }
    catch {
      conv.loadError = beforeSeq === null ? 'newest' : 'older'
      return false
    }
    conv.loadError = null
    for (const m of page) mergeMessage(conv.items, m)
    saveRecentSoon()
    if (beforeSeq === null) conv.loaded = true
    conv.hasOlder = page.length === HISTORY_PAGE && page[0]!.seq > 1
    const newest = page.at(-1)
    if (newest) conv.lastSeq = Math.max(conv.lastSeq, newest.seq)
    return true
  }

  // ---- own lines ---------------------------------------------------------------------------------

  /**
   * Queues text for the selected contact; it is sent now if connected, else on reconnect. Returns
   * why it was refused (the outbox is full), or null.
   */
  function send(text: string): string | null {
    const to = selectedId.value
    if (to === null || !people.me || text.trim() === '') return null
    const entry = sender.add(to, text)
    if (typeof entry === 'string') return entry
    conversation(to).items.push(lineFor(entry))
    sender.flush()
    return null
  }

  function lineFor(entry: OutboxEntry): ChatItem {
    return {
      key: entry.cid, cid: entry.cid, from: people.me!.id, to: entry.to, text: entry.text, ts: entry.createdAt,
      pending: entry.state === 'queued' ? 'sending' : 'failed', error: entry.error,
    }
  }

  /** Sends a line the server refused once more, with the same client id. */
  function retry(peer: number, cid: string) {
    const item = conversation(peer).items.find(i => i.cid === cid)
    if (!item || item.pending !== 'failed') return
    item.pending = 'sending'
    item.error = undefined
    sender.retry(cid)
  }

  /** Gives up on a line the server refused: it leaves the outbox and the conversation. */
  function discard(peer: number, cid: string) {
    const items = conversation(peer).items
    const at = items.findIndex(i => i.cid === cid && i.pending === 'failed')
    if (at < 0) return
    items.splice(at, 1)
    sender.discard(cid)
  }

  function onAck(cid: string, id: string, seq: number, ts: number) {
    const entry = sender.stored(cid)
    if (!entry || !people.me) return
    const conv = conversation(entry.to)
    mergeMessage(conv.items, { id, seq, ts, cid, from: people.me.id, to: entry.to, text: entry.text })
    saveRecentSoon()
    conv.lastSeq = Math.max(conv.lastSeq, seq)
  }

  function onError(frame: ErrorFrame) {
    if (!frame.cid) return
    const failed = sender.refused(frame.cid, frame.code, frame.message)
    if (!failed) return
    const item = conversation(failed.to).items.find(i => i.cid === frame.cid)
    if (item) Object.assign(item, { pending: 'failed', error: frame.message })
  }

  // ---- the stream --------------------------------------------------------------------------------

  /**
   * Who this page belongs to (known from the session before any socket opens): loads that user's
   * outbox, so messages queued before a reload show, and can be added to, even while offline.
   */
  function setMe(user: PublicUser) {
    if (people.me?.id === user.id) return
    if (people.me) reset()
    cache = createChatCache(need().storage, user.id)
    people.open(user, cache)
    sender.open(user.id)
    for (const c of cache.loadRecent()) {
      const conv = conversation(c.peer)
      for (const m of c.messages) mergeMessage(conv.items, m)
      conv.lastSeq = Math.max(conv.lastSeq, ...c.messages.map(m => m.seq))
      conv.peerDelivered = Math.max(conv.peerDelivered, c.peerDelivered)
      conv.peerRead = Math.max(conv.peerRead, c.peerRead)
    }
    for (const entry of sender.entries()) conversation(entry.to).items.push(lineFor(entry))
  }

  function onWelcome(user: PublicUser, online: PublicUser[], head: number) {
    setMe(user)
    people.setOnline(online)
    stream.welcome(cache!.loadCursor(), head)
    synced.value = false
    sender.linkOpened()
    requestResume()
  }

  function requestResume() {
    const from = stream.resumeFrom()
    if (from !== null && connection.send({ type: 'resume', cursor: from })) stream.resumeSent()
  }

  /** Applies stream events in order; a gap means frames were missed, so the stream is resumed. */
  function onStreamEvent(frame: MessageFrame | ReceiptFrame) {
    const verdict = stream.accept(frame.pos)
    if (verdict === 'gap') return requestResume()
    if (verdict === 'ignore') return
    cache?.saveCursor(frame.pos)
    if (frame.type === 'message') onMessage(frame)
    else applyReceipts(conversation(frame.peer), frame)
  }

  function onMessage(frame: MessageFrame) {
    const mine = frame.from === people.me?.id
    const peer = mine ? frame.to : frame.from
    const conv = conversation(peer)
    const { type: _type, pos: _pos, ...message } = frame
    const wasNew = frame.seq > conv.lastSeq
    conv.lastSeq = Math.max(conv.lastSeq, frame.seq)
    if (mergeMessage(conv.items, message)) saveRecentSoon()
    if (mine) {
      if (frame.cid) sender.stored(frame.cid)
      return
    }
    pendingDelivered.set(peer, Math.max(pendingDelivered.get(peer) ?? 0, frame.seq))
    queueMicrotask(sendDelivered)
    if (wasNew && frame.seq > conv.selfRead) {
      conv.unread++
      const from = people.contacts[frame.from]?.username ?? 'someone'
      announcement.value = `New message from ${from}: ${frame.text}`
    }
    if (selectedId.value === peer) markRead()
  }

  function onSynced() {
    stream.resumeDone()
    synced.value = true
    sendDelivered()
    sender.linkReady()
    if (selectedId.value !== null && !conversation(selectedId.value).loaded) return void select(selectedId.value)
    markRead()
  }

  // ---- receipts ----------------------------------------------------------------------------------

  function sendDelivered() {
    for (const [peer, seq] of pendingDelivered) {
      if (connection.send({ type: 'delivered', peer, seq })) pendingDelivered.delete(peer)
    }
  }

  let readQueued = false
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
    const peer = selectedId.value
    if (peer === null || !need().isVisible()) return
    const conv = conversation(peer)
    // Read means seen: only up to the newest line actually shown, never beyond.
    const shown = conv.loaded ? conv.items.reduce((max, i) => Math.max(max, i.seq ?? 0), 0) : 0
    if (shown <= conv.selfRead) return
    if (connection.send({ type: 'read', peer, seq: shown })) conv.unread = 0
  }

  function onFrame(frame: ServerFrame) {
    switch (frame.type) {
      case 'welcome':
        return onWelcome(frame.user, frame.online, frame.head)
      case 'presence':
        return people.upsert(frame.user, frame.online)
      case 'message':
      case 'receipt':
        return onStreamEvent(frame)
      case 'synced':
        return onSynced()
      case 'ack':
        return onAck(frame.cid, frame.id, frame.seq, frame.ts)
      case 'error':
        return onError(frame)
    }
  }

  onScopeDispose(connection.onFrame(onFrame))

  watch(() => connection.status, (status) => {
    if (status === 'open') return
    synced.value = false
    stream.resumeDone()
    sender.linkLost()
  })

  /**
   * The session ended (however it ended): forgets the user in memory and what this browser kept of
   * their conversations (recent lines, names, cursor), so a shared computer keeps nothing readable.
   * The outbox of unsent messages stays: it is the only copy of what the person wrote (the server
   * never saw it), only this same user's next sign-in here shows and sends it, and a session that
   * merely expired must not lose messages.
   */
  function forget() {
    cache?.forget()
    reset()
  }

  /**
   * Forgets everything in memory (sign-out, or another user on this page): nothing of the previous
   * user may be sent, shown or saved after it. Queued messages stay in storage.
   */
  function reset() {
    people.reset()
    sender.reset()
    for (const conv of Object.values(conversations)) Reflect.deleteProperty(conversations, conv.peer)
    selectedId.value = null
    announcement.value = ''
    pendingDelivered.clear()
    stopRecentSave?.()
    stopRecentSave = undefined
    cache = undefined
    stream.reset()
    synced.value = false
  }

  return {
    conversations, unread, selectedId, selected, selectedConversation, selectedItems, announcement, synced,
    configure, setMe, forget, refresh, select, loadOlder, retryLoad, send, retry, discard, statusOf, markRead, reset,
  }
})
