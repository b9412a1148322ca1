import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ChatMessage } from '#shared/protocol'
import { useContactsStore } from '../../stores/contacts'
import { HISTORY_PAGE, useConversationsStore } from '../../stores/conversations'
import { createChatCache } from '../../utils/chat/chatCache'
import { createFakeChatEnv } from '../support/fakeChatEnv'
import { memoryStorage } from '../support/memoryStorage'

const fromBob = (seq: number): ChatMessage => ({ id: `m${seq}`, seq, from: 2, to: 1, text: `t${seq}`, ts: seq })
const toBob = (seq: number): ChatMessage => ({ id: `m${seq}`, seq, from: 1, to: 2, text: `t${seq}`, ts: seq })
const receipts = { peer: 2, lastSeq: 0, peerDelivered: 0, peerRead: 0, selfRead: 0, unread: 0 }

/** Alice's conversations, on fake HTTP and timers and in-memory storage. */
function setup(history: ChatMessage[] = []) {
  setActivePinia(createPinia())
  const storage = memoryStorage()
  const fake = createFakeChatEnv({ storage, history })
  const cache = createChatCache(storage, 1)
  useContactsStore().open({ id: 1, username: 'alice' }, cache)
  const conversations = useConversationsStore()
  conversations.configure(fake.env)
  conversations.open(cache)
  return { conversations, storage, cache, api: fake.api }
}

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('conversations store', () => {
  it('adds a stored message once, and tells whether it is newer than any this device knew', () => {
    const { conversations } = setup()
    expect(conversations.addMessage(2, fromBob(2))).toBe(true)
    expect(conversations.addMessage(2, fromBob(1))).toBe(false)
    expect(conversations.addMessage(2, fromBob(2))).toBe(false)
    expect(conversations.byPeer[2]!.items.map(i => i.seq)).toEqual([1, 2])
  })

  it('moves receipts only forward, and takes the server\'s unread count as exact', () => {
    const { conversations } = setup()
    conversations.applyReceipts(2, { ...receipts, lastSeq: 5, peerDelivered: 3, peerRead: 2, selfRead: 1, unread: 4 })
    conversations.applyReceipts(2, { ...receipts, lastSeq: 4, peerDelivered: 1, peerRead: 1, selfRead: 0, unread: 9 })
    expect(conversations.byPeer[2]).toMatchObject({ lastSeq: 5, peerDelivered: 3, peerRead: 2, selfRead: 1, unread: 4 })
    expect(conversations.unread).toEqual({ 2: 4 })
  })

  it('shows my line as sent, delivered or read by the peer\'s receipts, theirs as received', () => {
    const { conversations } = setup()
    conversations.addMessage(2, toBob(1))
    conversations.addMessage(2, toBob(2))
    conversations.addMessage(2, fromBob(3))
    conversations.applyReceipts(2, { ...receipts, lastSeq: 3, peerDelivered: 2, peerRead: 1 })
    expect(conversations.byPeer[2]!.items.map(i => conversations.statusOf(i))).toEqual(['read', 'delivered', 'received'])
  })

  it('claims as shown only lines of a loaded newest page', async () => {
    const { conversations } = setup([fromBob(1), fromBob(2)])
    conversations.addMessage(2, fromBob(3))
    expect(conversations.shownSeq(2)).toBe(0)
    await conversations.loadNewest(2)
    expect(conversations.shownSeq(2)).toBe(3)
  })

  it('pages back through history until the first message', async () => {
    const history = Array.from({ length: HISTORY_PAGE + 10 }, (_, i) => fromBob(i + 1))
    const { conversations } = setup(history)
    expect(await conversations.loadNewest(2)).toBe(true)
    expect(conversations.byPeer[2]!.hasOlder).toBe(true)
    expect(await conversations.loadOlder(2)).toBe(true)
    expect(conversations.byPeer[2]!.items).toHaveLength(HISTORY_PAGE + 10)
    expect(await conversations.loadOlder(2)).toBe(false)
  })

  it('keeps a failed page as the conversation\'s load error until taken for a retry', async () => {
    const { conversations, api } = setup([fromBob(1)])
    api.history.mockRejectedValueOnce(new Error('503'))
    expect(await conversations.loadNewest(2)).toBe(false)
    expect(conversations.byPeer[2]!.loadError).toBe('newest')
    expect(conversations.takeLoadError(2)).toBe('newest')
    expect(conversations.takeLoadError(2)).toBeNull()
    expect(await conversations.loadNewest(2)).toBe(true)
  })

  it('keeps the newest lines for the next page, written once after a burst', async () => {
    const { conversations, storage, cache } = setup()
    const setItem = vi.spyOn(storage, 'setItem')
    for (let seq = 1; seq <= 5; seq++) conversations.addMessage(2, fromBob(seq))
    await vi.advanceTimersByTimeAsync(300)
    expect(setItem.mock.calls.filter(([key]) => key === 'jizhan.recent.1')).toHaveLength(1)
    expect(cache.loadRecent()[0]!.messages.map(m => m.seq)).toEqual([1, 2, 3, 4, 5])
  })

  it('forgets every conversation on reset and saves nothing afterwards', async () => {
    const { conversations, storage } = setup()
    conversations.addMessage(2, fromBob(1))
    conversations.reset()
    await vi.advanceTimersByTimeAsync(1000)
    expect(conversations.byPeer).toEqual({})
    expect(storage.getItem('jizhan.recent.1')).toBeNull()
  })
})
