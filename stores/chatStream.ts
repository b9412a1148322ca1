import { ref, watch } from 'vue'
import type { Ref } from 'vue'
import type { AckFrame, MembershipFrame, MessageFrame, PublicUser, ReceiptFrame, ResumeFrame } from '#shared/protocol'
import type { ChatCache } from '../utils/chat/chatCache'
import { isGroupEntry } from '../utils/chat/outbox'
import { createStreamCursor } from '../utils/chat/streamCursor'
import { useConnectionStore } from './connection'
import { useContactsStore } from './contacts'
import { useConversationsStore } from './conversations'
import { useGroupMembersStore } from './groupMembers'
import { useGroupsStore } from './groups'
import { useOwnLinesStore } from './ownLines'
import { useReceiptsStore } from './receipts'
import { useSenderStore } from './sender'
import { useSummariesStore } from './summaries'

/** What the stream needs from the chat store: this page's user and cache, and the open conversation. */
export interface ChatStreamContext {
  cache: () => ChatCache | undefined
  setMe: (user: PublicUser) => void
  selectedId: Ref<number | null>
  selectedGroupId: Ref<string | null>
  select: (peer: number) => Promise<void>
  selectGroup: (conv: string) => Promise<void>
  /** A direct line, in stream order (stores/chatIncoming.ts). */
  onMessage: (frame: MessageFrame) => void
}

/**
 * The chat store's event stream (part of stores/chat.ts, not a store of its own): the welcome, the
 * resume from the cursor and from each group's position, stream events applied in order (a gap
 * resumes), the acks' positions, `synced`, and what message retention trimmed (`trimmed`,
 * `groupTrimmed`).
 */
export function createChatStream(ctx: ChatStreamContext) {
  const connection = useConnectionStore()
  const people = useContactsStore()
  const conversations = useConversationsStore()
  const sender = useSenderStore()
  const receipts = useReceiptsStore()
  const groups = useGroupsStore()
  const members = useGroupMembersStore()
  const own = useOwnLinesStore()
  const summaries = useSummariesStore()
  /** The stream replay after a (re)connect is complete. */
  const synced = ref(false)
  const stream = createStreamCursor()

  /**
   * The message was stored. An ack with a position stands in the stream for this tab's copy of its
   * own message: it moves the cursor like that copy would (a skipped position still means frames
   * were missed).
   */
  function onAck(frame: AckFrame) {
    if (frame.pos !== undefined) {
      const verdict = stream.accept(frame.pos)
      if (verdict === 'gap') requestResume()
      else if (verdict === 'apply') ctx.cache()?.saveCursor(frame.pos)
    }
    const entry = own.stored(frame)
    // A new conversation: the server now counts them as someone I talk with (name, presence).
    if (entry && !isGroupEntry(entry) && frame.seq === 1) summaries.refreshSoon()
  }

  function onWelcome(user: PublicUser, head: number) {
    ctx.setMe(user)
    // Who is online comes with the people list over HTTP (refresh), then from presence frames.
    people.allOffline()
    stream.welcome(ctx.cache()!.loadCursor(), head)
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
    ctx.cache()?.saveCursor(frame.pos)
    if (frame.type === 'message') ctx.onMessage(frame)
    else if (frame.type === 'receipt') conversations.applyReceipts(frame.peer, frame)
    else if (frame.change === 'joined') groups.join(frame.group)
    else {
      groups.leave(frame.group.conv)
      members.forget(frame.group.conv)
    }
  }

  /**
   * Message retention deleted the stream up to `pos`, past this page's cursor (a resume from long
   * ago): the cursor moves there, and the lines kept of direct conversations are dropped, to be read
   * again over HTTP (the open one at `synced`, the others when opened), so no hole shows. The
   * summaries after `synced` bring counts and groups up to date. A group's lines: the same, alone.
   */
  function onTrimmed(pos: number) {
    if (!stream.trim(pos)) return
    ctx.cache()?.saveCursor(pos)
    conversations.dropStored()
    // Already synced (a gap being filled): no `synced` is coming to do it.
    if (!synced.value) return
    summaries.refreshSoon()
    if (ctx.selectedId.value !== null) void ctx.select(ctx.selectedId.value)
  }

  function onGroupTrimmed(conv: string, seq: number) {
    if (groups.trimmed(conv, seq) && synced.value && ctx.selectedGroupId.value === conv) void ctx.selectGroup(conv)
  }

  function onSynced() {
    stream.resumeDone()
    synced.value = true
    receipts.sendDelivered()
    sender.linkReady()
    // Receipts and membership counts are not replayed: the summaries (and the open group's members) say them.
    summaries.refreshSoon()
    const group = ctx.selectedGroupId.value === null ? undefined : groups.byConv[ctx.selectedGroupId.value]
    if (group) {
      if (!group.loaded) return void ctx.selectGroup(group.conv)
      if (!group.left) void members.load(group.conv)
    }
    if (ctx.selectedId.value !== null && !conversations.conversation(ctx.selectedId.value).loaded) return void ctx.select(ctx.selectedId.value)
    receipts.markRead()
  }

  watch(() => connection.status, (status) => {
    if (status === 'open') return
    synced.value = false
    stream.resumeDone()
    sender.linkLost()
  })

  /** Forgets the cursor (sign-out, or another user on this page). */
  function reset() {
    stream.reset()
    synced.value = false
  }

  return { synced, onAck, onWelcome, requestResume, onStreamEvent, onTrimmed, onGroupTrimmed, onSynced, reset }
}
