import type { Ref } from 'vue'
import type { GroupMessageFrame, MessageFrame } from '#shared/protocol'
import { someone } from '../utils/i18n/phrases'
import type { Announcement } from './chat'
import { useContactsStore } from './contacts'
import { useConversationsStore } from './conversations'
import { useGroupMembersStore } from './groupMembers'
import { useGroupsStore } from './groups'
import { useReceiptsStore } from './receipts'
import { useSenderStore } from './sender'
import { useSummariesStore } from './summaries'

/** What incoming lines need from the chat store: the open conversation, the live region, resuming. */
export interface ChatIncomingContext {
  selectedId: Ref<number | null>
  selectedGroupId: Ref<string | null>
  announcement: Ref<Announcement | null>
  /** Lines were missed: resume the stream (stores/chatStream.ts). */
  requestResume: () => void
}

/**
 * What a line someone sent does on this page (part of stores/chat.ts, not a store of its own): it
 * is added to its conversation (a person's or a group's), acknowledged as delivered, counted as
 * unread and announced to screen readers, and marked read when its conversation is open.
 */
export function createChatIncoming(ctx: ChatIncomingContext) {
  const people = useContactsStore()
  const conversations = useConversationsStore()
  const sender = useSenderStore()
  const receipts = useReceiptsStore()
  const groups = useGroupsStore()
  const members = useGroupMembersStore()
  const summaries = useSummariesStore()
  /** People whose name was looked up in the summaries already. */
  const askedWho = new Set<number>()

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
      const announce = () => void (ctx.announcement.value = { key: 'chat.newMessageFrom', params: { name: people.nameOf(frame.from, someone(frame.from)), text: frame.text } })
      if (named) void named.then(announce)
      else announce()
    }
    if (ctx.selectedId.value === peer) receipts.markRead()
  }

  /**
   * A group line, live or replayed: in seq order once per group (a line that skips one means lines
   * were missed: resume, which replays them). A group this page does not know yet is looked up.
   */
  function onGroupMessage({ type: _type, ...line }: GroupMessageFrame) {
    const known = groups.byConv[line.conv]
    if (known?.left) return
    if (groups.accept(line.conv, line.seq) === 'gap') return ctx.requestResume()
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
      ctx.announcement.value = { key: 'chat.newGroupMessage', params: { name: people.nameOf(line.from, someone(line.from)), group: group.name, text: line.text } }
    }
    if (ctx.selectedGroupId.value === line.conv) receipts.markRead()
  }

  /** Forgets whose names were asked (sign-out, or another user on this page). */
  function reset() {
    askedWho.clear()
  }

  return { onMessage, onGroupMessage, reset }
}
