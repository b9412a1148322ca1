import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useChatStore } from '../../stores/chat'
import { useContactsStore } from '../../stores/contacts'
import { useConversationsStore } from '../../stores/conversations'
import { createFakeChatEnv, setupChat } from '../support/fakeChatEnv'
import { WELCOME } from '../support/fakeConnectionEnv'
import { memoryStorage } from '../support/memoryStorage'

let pos = 0
const fromBob = (seq: number, text = `b${seq}`) => ({ type: 'message', pos: ++pos, id: `m${seq}`, seq, from: 2, to: 1, text, ts: seq })

beforeEach(() => {
  vi.useFakeTimers()
  pos = 0
})
afterEach(() => vi.useRealTimers())

describe('chat store', () => {
  it('loads a conversation\'s history only once the stream is synced, so nothing falls between them', async () => {
    const { chat, fake, api } = setupChat({ history: [{ id: 'm1', seq: 1, from: 2, to: 1, text: 'old', ts: 1 }] })
    await chat.select(2)
    expect(api.history).not.toHaveBeenCalled()
    fake.socket.receive({ type: 'synced', head: 0 })
    await vi.advanceTimersByTimeAsync(0)
    expect(api.history).toHaveBeenCalledOnce()
    expect(chat.selectedItems.map(i => i.text)).toEqual(['old'])
  })

  it('shows the recent lines and names after a reload without network, and forgets them on sign-out', async () => {
    const storage = memoryStorage()
    const first = setupChat({ storage })
    first.fake.socket.receive({ type: 'synced', head: 0 })
    first.fake.socket.receive(fromBob(1, 'kept for offline'))
    await vi.advanceTimersByTimeAsync(500)
    first.connection.disconnect()

    setActivePinia(createPinia())
    const offline = useChatStore()
    offline.configure(createFakeChatEnv({ storage }).env)
    offline.setMe({ id: 1, username: 'alice' })
    expect(useConversationsStore().byPeer[2]!.items.map(i => i.text)).toEqual(['kept for offline'])
    expect(useContactsStore().contacts[2]!.username).toBe('bob')
    offline.forget()
    expect([...storage.map.keys()].filter(k => !k.startsWith('jizhan.outbox'))).toEqual([])
    expect(useConversationsStore().byPeer).toEqual({})
  })

  it('keeps a line that came just before the page went away for a reload without network', () => {
    const storage = memoryStorage()
    const first = setupChat({ storage })
    first.fake.socket.receive({ type: 'synced', head: 0 })
    first.fake.socket.receive(fromBob(1, 'came at the last moment'))
    // Reloaded at once: the save that waits 300 ms never runs, the page's leaving writes it.
    first.chat.leaving()
    first.connection.disconnect()
    vi.clearAllTimers()

    setActivePinia(createPinia())
    const offline = useChatStore()
    offline.configure(createFakeChatEnv({ storage }).env)
    offline.setMe({ id: 1, username: 'alice' })
    expect(useConversationsStore().byPeer[2]!.items.map(i => i.text)).toEqual(['came at the last moment'])
  })

  it('writes nothing of a signed-out user when the page goes away after the sign-out', () => {
    const storage = memoryStorage()
    const { chat, fake } = setupChat({ storage })
    fake.socket.receive({ type: 'synced', head: 0 })
    fake.socket.receive(fromBob(1, 'not to be kept'))
    chat.forget()
    chat.leaving()
    vi.runAllTimers()
    expect([...storage.map.keys()].filter(k => !k.startsWith('jizhan.outbox'))).toEqual([])
  })

  it('continues from the cursor a previous page stored, so a reload replays what came meanwhile', () => {
    const storage = memoryStorage()
    const first = setupChat({ storage })
    first.fake.socket.receive({ type: 'synced', head: 0 })
    first.fake.socket.receive(fromBob(1))
    first.fake.socket.receive(fromBob(2))
    const second = setupChat({ storage, welcome: { head: 5 } }) // the reload; the head has moved on to 5
    expect(second.sent().filter(f => f.type === 'resume').at(-1)).toEqual({ type: 'resume', cursor: 2 })
  })

  it('does not count a replayed message twice as unread when a receipt before it already did', () => {
    const { conversations, fake } = setupChat()
    fake.socket.receive({ type: 'synced', head: 0 })
    fake.socket.receive(fromBob(1))
    // Replayed: the receipt carries the current state (2 unread as of seq 2), then message 2 follows.
    fake.socket.receive({ type: 'receipt', pos: ++pos, peer: 2, lastSeq: 2, peerDelivered: 0, peerRead: 0, selfRead: 0, unread: 2 })
    fake.socket.receive(fromBob(2))
    expect(conversations.unread[2]).toBe(2)
  })

  it('sends a message again shortly when the server failed to store it', () => {
    const { chat, fake, sent } = setupChat({ welcome: { heartbeat: { intervalMs: 60_000, timeoutMs: 10_000 } } })
    fake.socket.receive({ type: 'synced', head: 0 })
    chat.select(2)
    chat.send('hello')
    fake.socket.receive({ type: 'error', code: 'internal', message: 'The server failed', cid: 'c1' })
    expect(chat.selectedItems[0]!.pending).toBe('sending')
    vi.advanceTimersByTime(2000)
    expect(sent().filter(f => f.type === 'send').map(f => f.cid)).toEqual(['c1', 'c1'])
  })

  it('resumes the stream from the head on a fresh page and sends nothing before synced', () => {
    const { fake, sent, chat } = setupChat()
    expect(sent()).toEqual([{ type: 'resume', cursor: 0 }])
    chat.select(2)
    chat.send('early')
    expect(sent().filter(f => f.type === 'send')).toHaveLength(0)
    fake.socket.receive({ type: 'synced', head: 0 })
    expect(sent().filter(f => f.type === 'send')).toMatchObject([{ cid: 'c1', to: 2, text: 'early' }])
  })

  it('shows a line as sending until the ack, then sent, delivered and read as receipts arrive', async () => {
    const { chat, conversations, fake } = setupChat()
    fake.socket.receive({ type: 'synced', head: 0 })
    await chat.select(2)
    chat.send('hello')
    expect(conversations.statusOf(chat.selectedItems[0]!)).toBe('sending')
    fake.socket.receive({ type: 'ack', cid: 'c1', id: 'm1', seq: 1, ts: 5 })
    expect(conversations.statusOf(chat.selectedItems[0]!)).toBe('sent')
    fake.socket.receive({ type: 'receipt', pos: 1, peer: 2, lastSeq: 1, peerDelivered: 1, peerRead: 0, selfRead: 0, unread: 0 })
    expect(conversations.statusOf(chat.selectedItems[0]!)).toBe('delivered')
    fake.socket.receive({ type: 'receipt', pos: 2, peer: 2, lastSeq: 1, peerDelivered: 1, peerRead: 1, selfRead: 0, unread: 0 })
    expect(conversations.statusOf(chat.selectedItems[0]!)).toBe('read')
  })

  it('takes an ack with a position as its own line\'s place in the stream: the next event applies without a resume', async () => {
    const { chat, fake, sent } = setupChat()
    fake.socket.receive({ type: 'synced', head: 0 })
    await chat.select(2)
    chat.send('hello')
    fake.socket.receive({ type: 'ack', cid: 'c1', id: 'm1', seq: 1, ts: 5, pos: 1 })
    fake.socket.receive({ type: 'message', pos: 2, id: 'm2', seq: 2, from: 2, to: 1, text: 'hi back', ts: 6 })
    expect(chat.selectedItems.map(i => i.text)).toEqual(['hello', 'hi back'])
    expect(sent().filter(f => f.type === 'resume')).toHaveLength(1) // the first one, after the welcome
  })

  it('resumes when an ack\'s position skips one: frames were missed', async () => {
    const { chat, fake, sent } = setupChat()
    fake.socket.receive({ type: 'synced', head: 0 })
    await chat.select(2)
    chat.send('hello')
    fake.socket.receive({ type: 'ack', cid: 'c1', id: 'm1', seq: 2, ts: 5, pos: 2 })
    expect(sent().filter(f => f.type === 'resume')).toEqual([{ type: 'resume', cursor: 0 }, { type: 'resume', cursor: 0 }])
    expect(chat.selectedItems[0]).toMatchObject({ text: 'hello', seq: 2 })
    expect(chat.selectedItems[0]!.pending).toBeUndefined()
  })

  it('keeps a message written while disconnected in the outbox, across a reload, and sends it on reconnect', async () => {
    const storage = memoryStorage()
    const first = setupChat({ storage })
    first.fake.socket.receive({ type: 'synced', head: 0 })
    first.fake.socket.serverClose(1006)
    await first.chat.select(2)
    first.chat.send('written offline')
    expect(first.chat.selectedItems[0]).toMatchObject({ text: 'written offline', pending: 'sending' })

    // The page reloads: a new store on the same storage.
    const second = setupChat({ storage })
    await second.chat.select(2)
    expect(second.chat.selectedItems).toMatchObject([{ text: 'written offline', pending: 'sending' }])
    second.fake.socket.receive({ type: 'synced', head: 0 })
    expect(second.sent().filter(f => f.type === 'send')).toMatchObject([{ cid: 'c1', text: 'written offline' }])
    second.fake.socket.receive({ type: 'ack', cid: 'c1', id: 'm1', seq: 1, ts: 1 })
    expect([...storage.map.keys()].some(k => k.startsWith('jizhan.outbox'))).toBe(false)
  })

  it('gives a line written offline the time the server stored it, not the time it was written', async () => {
    const { chat, fake } = setupChat()
    fake.socket.receive({ type: 'synced', head: 0 })
    fake.socket.serverClose(1006)
    await chat.select(2)
    vi.setSystemTime(1_000)
    chat.send('written offline')
    expect(chat.selectedItems[0]).toMatchObject({ pending: 'sending', ts: 1_000 })
    vi.setSystemTime(60_000)
    await vi.advanceTimersByTimeAsync(30_000)
    fake.socket.open()
    fake.socket.receive(WELCOME)
    fake.socket.receive({ type: 'synced', head: 0 })
    fake.socket.receive({ type: 'ack', cid: 'c1', id: 'm1', seq: 1, ts: 61_000 })
    expect(chat.selectedItems).toHaveLength(1)
    expect(chat.selectedItems[0]).toMatchObject({ key: 'c1', seq: 1, ts: 61_000 })
    expect(chat.selectedItems[0]!.pending).toBeUndefined()
  })

  it('sends the same cid again after a reconnect when the ack was lost (the server deduplicates)', () => {
    const { chat, fake, sent } = setupChat()
    fake.socket.receive({ type: 'synced', head: 0 })
    chat.select(2)
    chat.send('once')
    fake.socket.serverClose(1006)
    vi.advanceTimersByTime(1000)
    fake.socket.open()
    fake.socket.receive({ ...WELCOME, head: 0 })
    fake.socket.receive({ type: 'synced', head: 0 })
    expect(sent().filter(f => f.type === 'send').map(f => f.cid)).toEqual(['c1'])
    expect(fake.sockets[0]!.frames.filter(f => f.type === 'send')).toHaveLength(1)
  })

  it('marks a refused line failed with the server\'s reason and retries it with the same cid', () => {
    const { chat, fake, sent } = setupChat()
    fake.socket.receive({ type: 'synced', head: 0 })
    chat.select(2)
    chat.send('hello')
    fake.socket.receive({ type: 'error', code: 'unknown_user', message: 'No user with id 2.', cid: 'c1' })
    expect(chat.selectedItems[0]).toMatchObject({ pending: 'failed', error: 'unknown_user' })
    chat.retry(2, 'c1')
    expect(sent().filter(f => f.type === 'send').map(f => f.cid)).toEqual(['c1', 'c1'])
    expect(chat.selectedItems[0]!.pending).toBe('sending')
  })

  it('discards a refused line from the conversation and the outbox', () => {
    const { chat, fake, storage } = setupChat()
    fake.socket.receive({ type: 'synced', head: 0 })
    chat.select(2)
    chat.send('hello')
    fake.socket.receive({ type: 'error', code: 'unknown_user', message: 'No user with id 2.', cid: 'c1' })
    chat.discard(2, 'c1')
    expect(chat.selectedItems).toEqual([])
    expect([...storage.map.keys()].some(k => k.startsWith('jizhan.outbox'))).toBe(false)
  })

  it('applies stream events in order once, and resumes from its cursor when it sees a gap', () => {
    const { conversations, fake, sent } = setupChat()
    fake.socket.receive({ type: 'synced', head: 0 })
    const first = fromBob(1)
    fake.socket.receive(first)
    fake.socket.receive(first) // the same event twice is one message
    fake.socket.receive(fromBob(2))
    expect(conversations.byPeer[2]!.items.map(i => i.seq)).toEqual([1, 2])
    fake.socket.receive({ ...fromBob(4), pos: 5 }) // pos 3 and 4 went missing
    expect(sent().filter(f => f.type === 'resume').at(-1)).toEqual({ type: 'resume', cursor: 2 })
    expect(conversations.byPeer[2]!.items.map(i => i.seq)).toEqual([1, 2])
  })

  it('counts unread messages of conversations not open, and sends delivered receipts for them', async () => {
    const { chat, conversations, fake, sent } = setupChat()
    fake.socket.receive({ type: 'synced', head: 0 })
    fake.socket.receive(fromBob(1))
    fake.socket.receive(fromBob(2, 'there'))
    await vi.advanceTimersByTimeAsync(0)
    expect(conversations.unread[2]).toBe(2)
    expect(chat.announcement).toEqual({ key: 'chat.newMessageFrom', params: { name: 'bob', text: 'there' } })
    expect(sent().filter(f => f.type === 'delivered').at(-1)).toEqual({ type: 'delivered', peer: 2, seq: 2 })
    expect(sent().some(f => f.type === 'read')).toBe(false)
  })

  it('sends a read receipt when the conversation is open and visible, not when the page is hidden', async () => {
    const visible = setupChat({ history: [{ id: 'm1', seq: 1, from: 2, to: 1, text: 'hi', ts: 1 }] })
    visible.fake.socket.receive({ type: 'synced', head: 0 })
    await visible.chat.select(2)
    expect(visible.sent().filter(f => f.type === 'read')).toEqual([{ type: 'read', peer: 2, seq: 1 }])

    const hidden = setupChat({ visible: false, history: [{ id: 'm1', seq: 1, from: 2, to: 1, text: 'hi', ts: 1 }] })
    hidden.fake.socket.receive({ type: 'synced', head: 0 })
    await hidden.chat.select(2)
    expect(hidden.sent().some(f => f.type === 'read')).toBe(false)
  })

  it('opens a conversation on its newest page and loads older pages on demand', async () => {
    const history = Array.from({ length: 120 }, (_, i) => ({ id: `m${i + 1}`, seq: i + 1, from: 2, to: 1, text: `t${i + 1}`, ts: i }))
    const { chat, conversations, fake } = setupChat({ history })
    fake.socket.receive({ type: 'synced', head: 0 })
    await chat.select(2)
    expect(chat.selectedItems.map(i => i.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 71 + i))
    expect(await conversations.loadOlder(2)).toBe(true)
    expect(await conversations.loadOlder(2)).toBe(true)
    expect(chat.selectedItems.map(i => i.seq)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1))
    expect(await conversations.loadOlder(2)).toBe(false)
  })

  it('shows what I sent from another device as my own stored line', () => {
    const { conversations, fake } = setupChat()
    fake.socket.receive({ type: 'synced', head: 0 })
    fake.socket.receive({ type: 'message', pos: 1, id: 'm9', seq: 1, from: 1, to: 2, text: 'from my phone', ts: 1, cid: 'other' })
    expect(conversations.byPeer[2]!.items).toMatchObject([{ text: 'from my phone', seq: 1 }])
    expect(conversations.unread[2]).toBe(0)
  })
})

describe('chat store when the user changes', () => {
  it('does not send the previous user\'s pending delivered receipts as the next user', async () => {
    const { chat, fake, sent } = setupChat({ conversations: [{ peer: 2, lastSeq: 3, peerDelivered: 0, peerRead: 0, selfRead: 0, unread: 3, last: null }] })
    fake.socket.serverClose(1006) // offline: the delivered receipt for Bob's 3 lines has to wait
    await chat.refresh()
    chat.reset() // Alice signs out; Carol signs in in the same tab
    chat.setMe({ id: 3, username: 'carol' })
    await vi.advanceTimersByTimeAsync(1000)
    fake.socket.open()
    fake.socket.receive({ ...WELCOME, user: { id: 3, username: 'carol' } })
    fake.socket.receive({ type: 'synced', head: 0 })
    expect(sent().filter(f => f.type === 'delivered')).toEqual([])
  })
})

describe('chat store when history cannot be loaded', () => {
  const history = Array.from({ length: 120 }, (_, i) => ({ id: `m${i + 1}`, seq: i + 1, from: 2, to: 1, text: `t${i + 1}`, ts: i }))

  it('keeps the error of the newest page for the pane, and loads it on retry', async () => {
    const { chat, fake, api, sent } = setupChat({ history })
    fake.socket.receive({ type: 'synced', head: 0 })
    api.history.mockRejectedValueOnce(new Error('503'))
    await chat.select(2)
    expect(chat.selectedConversation).toMatchObject({ loadError: 'newest', loaded: false })
    expect(chat.selectedItems).toEqual([])
    await chat.retryLoad(2)
    expect(chat.selectedConversation!.loadError).toBeNull()
    expect(chat.selectedItems).toHaveLength(50)
    await vi.advanceTimersByTimeAsync(0)
    expect(sent().filter(f => f.type === 'read')).toEqual([{ type: 'read', peer: 2, seq: 120 }])
  })

  it('resolves instead of rejecting when an older page fails, and scrolling asks no more until retried', async () => {
    const { chat, conversations, fake, api } = setupChat({ history })
    fake.socket.receive({ type: 'synced', head: 0 })
    await chat.select(2)
    api.history.mockRejectedValueOnce(new Error('503'))
    await expect(conversations.loadOlder(2)).resolves.toBe(false)
    expect(chat.selectedConversation!.loadError).toBe('older')
    await expect(conversations.loadOlder(2)).resolves.toBe(false)
    expect(api.history).toHaveBeenCalledTimes(2)
    await chat.retryLoad(2)
    expect(chat.selectedConversation!.loadError).toBeNull()
    expect(chat.selectedItems[0]!.seq).toBe(21)
  })

  it('loads a failed newest page again by itself once the next link is synced', async () => {
    const { chat, fake, api } = setupChat({ history })
    fake.socket.receive({ type: 'synced', head: 0 })
    api.history.mockRejectedValueOnce(new Error('offline'))
    await chat.select(2)
    fake.socket.serverClose(1006)
    await vi.advanceTimersByTimeAsync(1000)
    fake.socket.open()
    fake.socket.receive(WELCOME)
    fake.socket.receive({ type: 'synced', head: 0 })
    await vi.advanceTimersByTimeAsync(0)
    expect(chat.selectedConversation).toMatchObject({ loadError: null, loaded: true })
  })
})

describe('chat store when the session ends', () => {
  it('forgets what this browser kept of the user and writes nothing back afterwards', async () => {
    const { chat, fake, storage } = setupChat()
    fake.socket.receive({ type: 'synced', head: 0 })
    fake.socket.receive(fromBob(1)) // saves the cursor now and the recent lines within 300 ms
    chat.forget()
    await vi.advanceTimersByTimeAsync(1000)
    expect([...storage.map.keys()]).toEqual([])
  })

  it('keeps the outbox of unsent messages for the same user\'s next sign-in', async () => {
    const storage = memoryStorage()
    const first = setupChat({ storage })
    first.fake.socket.serverClose(1006)
    await first.chat.select(2)
    first.chat.send('not sent yet')
    first.chat.forget()
    expect([...storage.map.keys()]).toEqual(['jizhan.outbox.1'])
    const again = setupChat({ storage })
    again.fake.socket.receive({ type: 'synced', head: 0 })
    expect(again.sent().filter(f => f.type === 'send')).toMatchObject([{ text: 'not sent yet' }])
  })
})
