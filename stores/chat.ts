import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, watch } from 'vue'
import type { ConversationSummary, ErrorFrame, PublicUser, ServerFrame } from '#shared/protocol'
import { createChatCache } from '../utils/chat/chatCache'
import type { ChatCache } from '../utils/chat/chatCache'
import { someone } from '../utils/i18n/phrases'
import { createChatIncoming } from './chatIncoming'
import { createChatStream } from './chatStream'
import { useConnectionStore } from './connection'
import { useContactsStore } from './contacts'
import type { Contact } from './contacts'
import { useConversationsStore } from './conversations'
import type { ConversationsEnv, HistoryApi } from './conversations'
import { useGroupMembersStore } from './groupMembers'
import type { GroupMembersApi, GroupMembersEnv } from './groupMembers'
import { useGroupsStore } from './groups'
import type { GroupsApi, GroupsEnv } from './groups'
import { useOwnLinesStore } from './ownLines'
import type { Target } from './ownLines'
import { usePeopleSearchStore } from './peopleSearch'
import type { PeopleSearchEnv, SearchApi } from './peopleSearch'
import { useReceiptsStore } from './receipts'
import type { ReceiptsEnv } from './receipts'
import { useSenderStore } from './sender'
import type { SenderEnv } from './sender'
import { useSummariesStore } from './summaries'

/** A sentence for screen readers, worded by the page in the reader's language. */
export interface Announcement { key: string, params: Record<string, string> }

/** The HTTP side of the chat, injected so the stores also run outside a browser. */
export interface ChatApi extends HistoryApi, GroupsApi, GroupMembersApi, SearchApi {
  conversations(): Promise<ConversationSummary[]>
}

/** Everything the chat needs from the outside world: HTTP, storage, visibility, ids and timers. */
export interface ChatEnv extends SenderEnv, ConversationsEnv, ReceiptsEnv, GroupsEnv, GroupMembersEnv, PeopleSearchEnv {
  api: ChatApi
}

/**
 * The chat as the page sees it: whose page this is, which conversation is open (a person's or a
 * group's), and what every server frame does. Stream events are applied in order by the stream
 * cursor (resuming from it, and from each group's position, after every reconnect) and handed to
 * the store they concern: direct lines to the conversations store, group lines and membership to
 * the groups store, members' receipts to the group members store, people to the contacts store,
 * acks and refusals to the own-lines store (which sends what the person writes), and what to
 * acknowledge as delivered or read to the receipts store. `onFrame` below is the one place that says
 * where each server frame goes; the stream's order, resume, `synced` and retention's trims are in
 * stores/chatStream.ts, what a line someone sent does in stores/chatIncoming.ts (parts of this store,
 * not stores of their own); the work itself is in the stores they name; the summaries over HTTP are
 * the summaries store's.
 */
export const useChatStore = defineStore('chat', () => {
  const connection = useConnectionStore()
  const people = useContactsStore()
  const conversations = useConversationsStore()
  const sender = useSenderStore()
  const receipts = useReceiptsStore()
  const groups = useGroupsStore()
  const members = useGroupMembersStore()
  const search = usePeopleSearchStore()
  const own = useOwnLinesStore()
  const summaries = useSummariesStore()
  /** The person whose conversation is open, or null. */
  const selectedId = ref<number | null>(null)
  /** The group whose conversation is open, or null (at most one of the two is set). */
  const selectedGroupId = ref<string | null>(null)
  /** The newest message for screen readers, as an i18n key and its values (the page words it). */
  const announcement = ref<Announcement | null>(null)

  let env: ChatEnv | undefined
  let cache: ChatCache | undefined

  function need(): ChatEnv {
    if (!env) throw new Error('chat store: call configure() first')
    return env
  }

  /** Injects the environment (for this store and the ones it drives); call once, first. */
  function configure(newEnv: ChatEnv) {
    env = newEnv
    conversations.configure(newEnv)
    sender.configure(newEnv)
    receipts.configure(newEnv, () => selectedGroupId.value ?? selectedId.value)
    groups.configure(newEnv)
    members.configure(newEnv)
    search.configure(newEnv)
    summaries.configure(newEnv)
  }

  const selected = computed<Contact | null>(() => selectedId.value === null
    ? null
    : people.contacts[selectedId.value] ?? { id: selectedId.value, username: someone(selectedId.value), online: null })
  const selectedGroup = computed(() => selectedGroupId.value === null ? null : groups.byConv[selectedGroupId.value] ?? null)
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
    groups.open(cache)
    sender.open(user.id)
    for (const entry of sender.entries()) own.show(entry)
  }

  /** Opens a person's conversation: shows its newest page and marks it read. */
  async function select(peer: number | null) {
    selectedId.value = peer
    if (peer !== null) selectedGroupId.value = null
    if (peer === null) return
    // History is read only once the stream is synced: the page then covers everything up to the
    // stream's head, and the stream everything after it — no message can fall between the two.
    // Until then (or while offline) the conversation shows what it has; `synced` loads it.
    if (synced.value && !await conversations.loadNewest(peer)) return
    receipts.markRead()
  }

  /** Opens a group's conversation: its newest page, its members (for "Read by"), marks it read. */
  async function selectGroup(conv: string | null) {
    selectedGroupId.value = conv
    if (conv === null) return
    selectedId.value = null
    if (!groups.byConv[conv]?.left) void members.load(conv)
    // As for a person's conversation: history once synced, so nothing falls between page and socket.
    // (A group this page does not know yet is loaded once the groups list names it.)
    if (synced.value && groups.byConv[conv] && !await groups.loadNewest(conv)) return
    receipts.markRead()
  }
  // A group opened before this page knew it (a reload's URL on a fresh device) loads once it is known.
  watch(() => [selectedGroupId.value, selectedGroupId.value !== null && groups.byConv[selectedGroupId.value] !== undefined] as const, ([conv, known], [before, knownBefore]) => {
    if (conv === before && known && !knownBefore && synced.value && !groups.byConv[conv!]!.loaded) void selectGroup(conv)
  })

  /** Starts (or opens) a conversation with someone found by name. */
  function startConversation(user: PublicUser) {
    people.upsert(user)
    const conv = conversations.conversation(user.id)
    if (conv.activity === 0) conv.activity = need().now()
    return select(user.id)
  }

  /** Tries the history page that failed to load again (the pane's Retry). */
  async function retryLoad(target: Target) {
    if (typeof target === 'string') {
      const failed = groups.takeLoadError(target)
      if (failed === 'older') await groups.loadOlder(target)
      else if (failed === 'newest' && selectedGroupId.value === target) await selectGroup(target)
      return
    }
    const failed = conversations.takeLoadError(target)
    if (failed === 'older') await conversations.loadOlder(target)
    else if (failed === 'newest' && selectedId.value === target) await select(target)
  }

  // ---- the stream and incoming lines (stores/chatStream.ts, stores/chatIncoming.ts) -------------

  // Made after the watch above, as before the split: watchers run in the order they were made.
  const incoming = createChatIncoming({ selectedId, selectedGroupId, announcement, requestResume: () => chatStream.requestResume() })
  const chatStream = createChatStream({ cache: () => cache, setMe, selectedId, selectedGroupId, select, selectGroup, onMessage: incoming.onMessage })
  /** The stream replay after a (re)connect is complete. */
  const synced = chatStream.synced

  // ---- own lines ---------------------------------------------------------------------------------

  /**
   * Queues text for the open conversation (a person or a group); it is sent now if connected, else
   * on reconnect. Returns why it was refused (the outbox is full), or null.
   */
  function send(text: string): string | null {
    const to = selectedGroupId.value ?? selectedId.value
    if (to === null || !people.me || text.trim() === '') return null
    if (typeof to === 'string' && groups.byConv[to]?.left) return null
    return own.write(to, text)
  }

  function onError(frame: ErrorFrame) {
    if (frame.cid) own.refused({ ...frame, cid: frame.cid })
  }

  // ---- what each server frame does ---------------------------------------------------------------

  function onFrame(frame: ServerFrame) {
    switch (frame.type) {
      case 'welcome':
        return chatStream.onWelcome(frame.user, frame.head)
      case 'presence':
        return people.presence(frame.online, frame.offline)
      case 'message':
      case 'receipt':
      case 'membership':
        return chatStream.onStreamEvent(frame)
      case 'groupMessage':
        return incoming.onGroupMessage(frame)
      case 'groupReceipt':
        return members.applyReceipt(frame)
      case 'synced':
        return chatStream.onSynced()
      case 'trimmed':
        return chatStream.onTrimmed(frame.pos)
      case 'groupTrimmed':
        return chatStream.onGroupTrimmed(frame.conv, frame.seq)
      case 'ack':
        return chatStream.onAck(frame)
      case 'error':
        return onError(frame)
    }
  }

  onScopeDispose(connection.onFrame(onFrame))

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
    groups.reset()
    members.reset()
    search.clear()
    selectedId.value = null
    selectedGroupId.value = null
    incoming.reset()
    announcement.value = null
    cache = undefined
    chatStream.reset()
  }

  /** The page is going away: what waits to be kept in storage is written now. */
  function leaving() {
    conversations.saveRecentNow()
  }

  return {
    selectedId, selectedGroupId, selected, selectedGroup, selectedConversation, selectedItems, announcement, synced,
    configure, setMe, refresh: summaries.refresh, select, selectGroup, startConversation, retryLoad, send, retry: own.retry, discard: own.discard, forget, reset, leaving,
  }
})
