import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, watch } from 'vue'
import type { AckFrame, ConversationSummary, ErrorFrame, GroupMessageFrame, MembershipFrame, MessageFrame, PublicUser, ReceiptFrame, ResumeFrame, ServerFrame } from '#shared/protocol'
import { createChatCache } from '../utils/chat/chatCache'
import type { ChatCache } from '../utils/chat/chatCache'
import { isGroupEntry } from '../utils/chat/outbox'
import { createStreamCursor } from '../utils/chat/streamCursor'
import { someone } from '../utils/i18n/phrases'
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

/** The HTTP side of the chat, injected so the stores also run outside a browser. */
/** A sentence for screen readers, worded by the page in the reader's language. */
export interface Announcement { key: string, params: Record<string, string> }

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
 * acknowledge as delivered or read to the receipts store. (About 400 lines: the one place that says
 * what each server frame does; the work itself is in the stores it names; the summaries over HTTP
 * are the summaries store's.)
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
  /** The latest line for the screen-reader live region. */
  /** The newest message for screen readers, as an i18n key and its values (the page words it). */
  const announcement = ref<Announcement | null>(null)
  /** The stream replay after a (re)connect is complete. */
  const synced = ref(false)

  let env: ChatEnv | undefined
  let cache: ChatCache | undefined
  const stream = createStreamCursor()
  /** People whose name was looked up in the summaries already. */
  const askedWho = new Set<number>()

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

  /**
   * The message was stored. An ack with a position stands in the stream for this tab's copy of its
   * own message: it moves the cursor like that copy would (a skipped position still means frames
   * were missed).
   */
  function onAck(frame: AckFrame) {
    if (frame.pos !== undefined) {
      const verdict = stream.accept(frame.pos)
      if (verdict === 'gap') requestResume()
      else if (verdict === 'apply') cache?.saveCursor(frame.pos)
    }
    const entry = own.stored(frame)
    // A new conversation: the server now counts them as someone I talk with (name, presence).
    if (entry && !isGroupEntry(entry) && frame.seq === 1) summaries.refreshSoon()
  }

  function onError(frame: ErrorFrame) {
    if (frame.cid) own.refused({ ...frame, cid: frame.cid })
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

  /** Resumes the stream from the cursor, and each group this page shows from its position. */
  function requestResume() {
    const from = stream.resumeFrom()
    if (from === null) return
    const listed = groups.resumeEntries()
    const frame: ResumeFrame = listed.length > 0 ? { type: 'resume', cursor: from, groups: listed } : { type: 'resume', cursor: from }
    if (connection.send(frame)) stream.resumeSent()
  }

  /** Applies stream events in order; a gap means frames were missed, so the stream is resumed. */
  function onStreamEvent(frame: MessageFrame | ReceiptFrame | MembershipFrame) {
    const verdict = stream.accept(frame.pos)
    if (verdict === 'gap') return requestResume()
    if (verdict === 'ignore') return
    cache?.saveCursor(frame.pos)
    if (frame.type === 'message') onMessage(frame)
    else if (frame.type === 'receipt') conversations.applyReceipts(frame.peer, frame)
    else if (frame.change === 'joined') groups.join(frame.group)
    else {
      groups.leave(frame.group.conv)
      members.forget(frame.group.conv)
    }
  }

  function onMessage(frame: MessageFrame) {
    const mine = frame.from === people.me?.id
    const peer = mine ? frame.to : frame.from
    const { type: _type, pos: _pos, ...message } = frame
    const wasNew = conversations.addMessage(peer, message)
    // Someone this page cannot name yet (a first message): the summaries say who they are (asked
    // once); the announcement waits for the answer, so it names them.
    let named: Promise<unknown> | undefined
    if (!people.contacts[peer] && !askedWho.has(peer)) {
      askedWho.add(peer)
      named = summaries.refresh().catch(() => {})
    }
    if (mine) {
      if (frame.cid) sender.stored(frame.cid)
      return
    }
    receipts.delivered(peer, frame.seq)
    queueMicrotask(receipts.sendDelivered)
    const conv = conversations.conversation(peer)
    if (wasNew && frame.seq > conv.selfRead) {
      conv.unread++
      const announce = () => void (announcement.value = { key: 'chat.newMessageFrom', params: { name: people.nameOf(frame.from, someone(frame.from)), text: frame.text } })
      if (named) void named.then(announce)
      else announce()
    }
    if (selectedId.value === peer) receipts.markRead()
  }

  /**
   * A group line, live or replayed: in seq order once per group (a line that skips one means lines
   * were missed: resume, which replays them). A group this page does not know yet is looked up.
   */
  function onGroupMessage({ type: _type, ...line }: GroupMessageFrame) {
    const known = groups.byConv[line.conv]
    if (known?.left) return
    if (groups.accept(line.conv, line.seq) === 'gap') return requestResume()
    if (!known) summaries.refreshSoon()
    const wasNew = groups.addMessage(line)
    if (wasNew && line.system) members.applySystem(line.conv, line.from, line.system, line.seq)
    if (line.from === people.me?.id) {
      if (line.cid) sender.stored(line.cid)
      return
    }
    receipts.groupDelivered(line.conv, line.seq)
    queueMicrotask(receipts.sendDelivered)
    const group = groups.group(line.conv)
    if (wasNew && !line.system && line.seq > group.read) {
      group.unread++
      announcement.value = { key: 'chat.newGroupMessage', params: { name: people.nameOf(line.from, someone(line.from)), group: group.name, text: line.text } }
    }
    if (selectedGroupId.value === line.conv) receipts.markRead()
  }

  /**
   * Message retention deleted the stream up to `pos`, past this page's cursor (a resume from long
   * ago): the cursor moves there, and the lines kept of direct conversations are dropped, to be read
   * again over HTTP (the open one at `synced`, the others when opened), so no hole shows. The
   * summaries after `synced` bring counts and groups up to date. A group's lines: the same, alone.
   */
  function onTrimmed(pos: number) {
    if (!stream.trim(pos)) return
    cache?.saveCursor(pos)
    conversations.dropStored()
    // Already synced (a gap being filled): no `synced` is coming to do it.
    if (!synced.value) return
    summaries.refreshSoon()
    if (selectedId.value !== null) void select(selectedId.value)
  }

  function onGroupTrimmed(conv: string, seq: number) {
    if (groups.trimmed(conv, seq) && synced.value && selectedGroupId.value === conv) void selectGroup(conv)
  }

  function onSynced() {
    stream.resumeDone()
    synced.value = true
    receipts.sendDelivered()
    sender.linkReady()
    // Receipts and membership counts are not replayed: the summaries (and the open group's members) say them.
    summaries.refreshSoon()
    const group = selectedGroupId.value === null ? undefined : groups.byConv[selectedGroupId.value]
    if (group) {
      if (!group.loaded) return void selectGroup(group.conv)
      if (!group.left) void members.load(group.conv)
    }
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
      case 'membership':
        return onStreamEvent(frame)
      case 'groupMessage':
        return onGroupMessage(frame)
      case 'groupReceipt':
        return members.applyReceipt(frame)
      case 'synced':
        return onSynced()
      case 'trimmed':
        return onTrimmed(frame.pos)
      case 'groupTrimmed':
        return onGroupTrimmed(frame.conv, frame.seq)
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
    groups.reset()
    members.reset()
    search.clear()
    selectedId.value = null
    selectedGroupId.value = null
    askedWho.clear()
    announcement.value = null
    cache = undefined
    stream.reset()
    synced.value = false
  }

  return {
    selectedId, selectedGroupId, selected, selectedGroup, selectedConversation, selectedItems, announcement, synced,
    configure, setMe, refresh: summaries.refresh, select, selectGroup, startConversation, retryLoad, send, retry: own.retry, discard: own.discard, forget, reset,
  }
})
