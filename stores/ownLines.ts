import { defineStore } from 'pinia'
import type { AckFrame, ErrorFrame } from '#shared/protocol'
import type { ChatItem, Line } from '../utils/chat/conversation'
import type { GroupItem } from '../utils/chat/groupLines'
import { isGroupEntry } from '../utils/chat/outbox'
import type { OutboxEntry } from '../utils/chat/outbox'
import { useContactsStore } from './contacts'
import { useConversationsStore } from './conversations'
import { useGroupsStore } from './groups'
import { useSenderStore } from './sender'

/** Where a line goes: a person (their user id) or a group (its id). */
export type Target = number | string

/**
 * The person's own lines, in direct conversations and groups: what they write goes into the
 * sender's outbox and shows at once in its conversation ("Sending…"), becomes the stored message
 * when the server acknowledges it, or shows the server's refusal with Retry and Discard.
 */
export const useOwnLinesStore = defineStore('ownLines', () => {
  const people = useContactsStore()
  const conversations = useConversationsStore()
  const groups = useGroupsStore()
  const sender = useSenderStore()

  /** Queues text for `to` and shows it; sent now if connected. Returns why the outbox refused it, or null. */
  function write(to: Target, text: string): string | null {
    const entry = sender.add(to, text)
    if (typeof entry === 'string') return entry
    show(entry)
    sender.flush()
    return null
  }

  /** Shows an outbox entry as a line of its conversation. */
  function show(entry: OutboxEntry) {
    const line: Line = {
      key: entry.cid, cid: entry.cid, from: people.me!.id, text: entry.text, ts: entry.createdAt,
      pending: entry.state === 'queued' ? 'sending' : 'failed', error: entry.error,
    }
    if (isGroupEntry(entry)) groups.group(entry.conv).items.push(line satisfies GroupItem)
    else conversations.conversation(entry.to).items.push({ ...line, to: entry.to } satisfies ChatItem)
  }

  const targetOf = (entry: OutboxEntry): Target => (isGroupEntry(entry) ? entry.conv : entry.to)
  const linesOf = (target: Target): Line[] => (typeof target === 'string' ? groups.group(target).items : conversations.conversation(target).items)

  function find(target: Target, cid: string, pending: Line['pending']): Line | undefined {
    return linesOf(target).find(i => i.cid === cid && (!pending || i.pending === pending))
  }

  /** Sends a line the server refused once more, with the same client id. */
  function retry(target: Target, cid: string) {
    const item = find(target, cid, 'failed')
    if (!item) return
    item.pending = 'sending'
    item.error = undefined
    sender.retry(cid)
  }

  /** Gives up on a line the server refused: it leaves the outbox and the conversation. */
  function discard(target: Target, cid: string) {
    const items = linesOf(target)
    const at = items.findIndex(i => i.cid === cid && i.pending === 'failed')
    if (at < 0) return
    items.splice(at, 1)
    sender.discard(cid)
  }

  /**
   * The server stored the line (its ack): it leaves the outbox and becomes the stored message, and a
   * group's position may move past it. Returns the entry, or undefined when it was not waiting here.
   */
  function stored({ cid, id, seq, ts }: AckFrame): OutboxEntry | undefined {
    const entry = sender.stored(cid)
    if (!entry || !people.me) return undefined
    if (isGroupEntry(entry)) {
      groups.acked(entry.conv, seq)
      groups.addMessage({ conv: entry.conv, id, seq, ts, cid, from: people.me.id, text: entry.text })
    }
    else {
      conversations.addMessage(entry.to, { id, seq, ts, cid, from: people.me.id, to: entry.to, text: entry.text })
    }
    return entry
  }

  /** The server refused a line: a refusal a resend cannot fix shows on it (else it is sent again shortly). */
  function refused(frame: ErrorFrame & { cid: string }) {
    const failed = sender.refused(frame.cid, frame.code)
    const item = failed && find(targetOf(failed), frame.cid, undefined)
    if (item) Object.assign(item, { pending: 'failed', error: frame.code })
  }

  return { write, show, retry, discard, stored, refused }
})
