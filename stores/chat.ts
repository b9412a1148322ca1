import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, watch } from 'vue'
import type { AckFrame, ConversationSummary, ErrorFrame, MessageFrame, PublicUser, ReceiptFrame, ServerFrame } from '#shared/protocol'
import { createChatCache } from '../utils/chat/chatCache'
import type { ChatCache } from '../utils/chat/chatCache'
import type { ChatItem } from '../utils/chat/conversation'
import type { OutboxEntry } from '../utils/chat/outbox'
import { createStreamCursor } from '../utils/chat/streamCursor'
import { useConnectionStore } from './connection'
import { useContactsStore } from './contacts'
import type { Contact } from './contacts'
import { useConversationsStore } from './conversations'
import type { ConversationsEnv, HistoryApi } from './conversations'
import { useReceiptsStore } from './receipts'
import type { ReceiptsEnv } from './receipts'
import { useSenderStore } from './sender'
import type { SenderEnv } from './sender'

/** The HTTP side of the chat, injected so the stores also run outside a browser. */
export interface ChatApi extends HistoryApi {
  users(): Promise<Contact[]>
  conversations(): Promise<ConversationSummary[]>
}

/** Everything the chat needs from the outside world: HTTP, storage, visibility, ids and timers. */
export interface ChatEnv extends SenderEnv, ConversationsEnv, ReceiptsEnv {
  api: ChatApi
}

/**
 * The chat as the page sees it: whose page this is, which conversation is open, and what every
 * server frame does. Stream events are applied in order by the stream cursor (resuming from it after
 * every reconnect) and handed to the store they concern: lines to the conversations store, people
 * to the contacts store, acks and refusals to the sender store (which sends what the person writes),
 * and what to acknowledge as delivered or read to the receipts store. (About 300 lines: the one
 * place that says what each server frame does; the work itself is in the stores it names.)
 */
export const useChatStore = defineStore('chat', () => {
  const connection = useConnectionStore()
  const people = useContactsStore()
  const conversations = useConversationsStore()
  const sender = useSenderStore()
  const receipts = useReceiptsStore()
  const selectedId = ref<number | null>(null)
  /** The latest line for the screen-reader live region. */
  const announcement = ref('')
  /** The stream replay after a (re)connect is complete. */
  const synced = ref(false)

  let env: ChatEnv | undefined
  let cache: ChatCache | undefined
  const stream = createStreamCursor()

  function need(): ChatEnv {
    if (!env) throw new Error('chat store: call configure() first')
    return env
  }

  /** Injects the environment (for this store and the ones it drives); call once, first. */
  function configure(newEnv: ChatEnv) {
    env = newEnv
    conversations.configure(newEnv)
    sender.configure(newEnv)
    receipts.configure(newEnv, () => selectedId.value)
  }

  const selected = computed<Contact | null>(() => selectedId.value === null
    ? null
    : people.contacts[selectedId.value] ?? { id: selectedId.value, username: `user ${selectedId.value}`, online: false })
  const selectedConversation = computed(() => selectedId.value === null ? null : conversations.byPeer[selectedId.value] ?? null)
  const selectedItems = computed(() => selectedConversation.value?.items ?? [])

  /**
   * Who this page belongs to (known from the session before any socket opens): shows what an
   * earlier page of this user kept, and their outbox, so queued messages show, and can be added to,
   * even while offline.
   */
  function setMe(user: PublicUser) {
    if (people.me?.id === user.id) return
    if (people.me) reset()
    cache = createChatCache(need().storage, user.id)
    people.open(user, cache)
    conversations.open(cache)
    sender.open(user.id)
    for (const entry of sender.entries()) conversations.conversation(entry.to).items.push(lineFor(entry))
  }

  /** Loads people and conversation summaries over HTTP. */
  async function refresh() {
    const api = need().api
    const mark = people.snapshotMark()
    const [users, summaries] = await Promise.all([api.users(), api.conversations()])
    people.setContacts(users, mark)
    for (const s of summaries) {
      conversations.applyReceipts(s.peer, s)
      // This device now knows of every message up to lastSeq (some may have come before the
      // stream cursor of a fresh page): that is what "delivered" means. Receipts only move forward.
      if (s.lastSeq > 0) receipts.delivered(s.peer, s.lastSeq)
    }
    receipts.sendDelivered()
  }

  /** Opens a conversation: shows its newest page and marks it read. */
  async function select(peer: number | null) {
    selectedId.value = peer
    if (peer === null) return
    // History is read only once the stream is synced: the page then covers everything up to the
    // stream's head, and the stream everything after it — no message can fall between the two.
    // Until then (or while offline) the conversation shows what it has; `synced` loads it.
    if (synced.value && !await conversations.loadNewest(peer)) return
    receipts.markRead()
  }

  /** Tries the history page that failed to load again (the pane's Retry). */
  async function retryLoad(peer: number) {
    const failed = conversations.takeLoadError(peer)
    if (failed === 'older') await conversations.loadOlder(peer)
    else if (failed === 'newest' && selectedId.value === peer) await select(peer)
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
    conversations.conversation(to).items.push(lineFor(entry))
    sender.flush()
    return null
  }

  function lineFor(entry: OutboxEntry): ChatItem {
    return {
      key: entry.cid, cid: entry.cid, from: people.me!.id, to: entry.to, text: entry.text, ts: entry.createdAt,
      pending: entry.state === 'queued' ? 'sending' : 'failed', error: entry.error,
    }
  }

  function ownLine(peer: number, cid: string, pending: ChatItem['pending']): ChatItem | undefined {
    return conversations.conversation(peer).items.find(i => i.cid === cid && (!pending || i.pending === pending))
  }

  /** Sends a line the server refused once more, with the same client id. */
  function retry(peer: number, cid: string) {
    const item = ownLine(peer, cid, 'failed')
    if (!item) return
    item.pending = 'sending'
    item.error = undefined
    sender.retry(cid)
  }

  /** Gives up on a line the server refused: it leaves the outbox and the conversation. */
  function discard(peer: number, cid: string) {
    const items = conversations.conversation(peer).items
    const at = items.findIndex(i => i.cid === cid && i.pending === 'failed')
    if (at < 0) return
    items.splice(at, 1)
    sender.discard(cid)
  }

  /**
   * The message was stored. An ack with a position stands in the stream for this tab's copy of its
   * own message: it moves the cursor like that copy would (a skipped position still means frames
   * were missed).
   */
  function onAck({ cid, id, seq, ts, pos }: AckFrame) {
    if (pos !== undefined) {
      const verdict = stream.accept(pos)
      if (verdict === 'gap') requestResume()
      else if (verdict === 'apply') cache?.saveCursor(pos)
    }
    const entry = sender.stored(cid)
    if (entry && people.me) conversations.addMessage(entry.to, { id, seq, ts, cid, from: people.me.id, to: entry.to, text: entry.text })
  }

  function onError(frame: ErrorFrame) {
    if (!frame.cid) return
    const failed = sender.refused(frame.cid, frame.code, frame.message)
    const item = failed && ownLine(failed.to, frame.cid, undefined)
    if (item) Object.assign(item, { pending: 'failed', error: frame.message })
  }

  // ---- the stream --------------------------------------------------------------------------------

  function onWelcome(user: PublicUser, head: number) {
    setMe(user)
    // Who is online comes with the people list over HTTP (refresh), then from presence frames.
    people.allOffline()
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
    else conversations.applyReceipts(frame.peer, frame)
  }

  function onMessage(frame: MessageFrame) {
    const mine = frame.from === people.me?.id
    const peer = mine ? frame.to : frame.from
    const { type: _type, pos: _pos, ...message } = frame
    const wasNew = conversations.addMessage(peer, message)
    if (mine) {
      if (frame.cid) sender.stored(frame.cid)
      return
    }
    receipts.delivered(peer, frame.seq)
    queueMicrotask(receipts.sendDelivered)
    const conv = conversations.conversation(peer)
    if (wasNew && frame.seq > conv.selfRead) {
      conv.unread++
      const from = people.contacts[frame.from]?.username ?? 'someone'
      announcement.value = `New message from ${from}: ${frame.text}`
    }
    if (selectedId.value === peer) receipts.markRead()
  }

  function onSynced() {
    stream.resumeDone()
    synced.value = true
    receipts.sendDelivered()
    sender.linkReady()
    if (selectedId.value !== null && !conversations.conversation(selectedId.value).loaded) return void select(selectedId.value)
    receipts.markRead()
  }

  function onFrame(frame: ServerFrame) {
    switch (frame.type) {
      case 'welcome':
        return onWelcome(frame.user, frame.head)
      case 'presence':
        return people.presence(frame.online, frame.offline)
      case 'message':
      case 'receipt':
        return onStreamEvent(frame)
      case 'synced':
        return onSynced()
      case 'ack':
        return onAck(frame)
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

  // ---- the end of a session ----------------------------------------------------------------------

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
    conversations.reset()
    sender.reset()
    receipts.reset()
    selectedId.value = null
    announcement.value = ''
    cache = undefined
    stream.reset()
    synced.value = false
  }

  return {
    selectedId, selected, selectedConversation, selectedItems, announcement, synced,
    configure, setMe, refresh, select, retryLoad, send, retry, discard, forget, reset,
  }
})
