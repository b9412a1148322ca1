import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ChatMessage } from '#shared/protocol'
import { useConnectionStore } from '../../stores/connection'
import { useConversationsStore } from '../../stores/conversations'
import { useReceiptsStore } from '../../stores/receipts'
import { createFakeChatEnv } from '../support/fakeChatEnv'
import type { Sent } from '../support/fakeChatEnv'
import { WELCOME, createFakeEnv } from '../support/fakeConnectionEnv'

const fromBob = (seq: number): ChatMessage => ({ id: `m${seq}`, seq, from: 2, to: 1, text: `t${seq}`, ts: seq })

/** Receipts on an open link (not through the chat store), with Bob's conversation open or not. */
function setup(opts: { open?: number | null, visible?: boolean, history?: ChatMessage[] } = {}) {
  setActivePinia(createPinia())
  const fake = createFakeEnv()
  const connection = useConnectionStore()
  connection.configure(fake.env)
  connection.connect()
  fake.socket.open()
  fake.socket.receive(WELCOME)
  const chatEnv = createFakeChatEnv({ visible: opts.visible, history: opts.history })
  const conversations = useConversationsStore()
  conversations.configure(chatEnv.env)
  const receipts = useReceiptsStore()
  receipts.configure(chatEnv.env, () => opts.open ?? null)
  const sent = (type: string) => (fake.socket.frames as Sent[]).filter(f => f.type === type)
  return { receipts, conversations, connection, fake, sent }
}

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('receipts store', () => {
  it('owes one delivered receipt per peer, the newest seq, until the connection takes it', async () => {
    const { receipts, fake, sent } = setup()
    fake.socket.serverClose(1006)
    receipts.delivered(2, 3)
    receipts.delivered(2, 1)
    receipts.delivered(4, 7)
    receipts.sendDelivered()
    await vi.advanceTimersByTimeAsync(1000)
    fake.socket.open()
    fake.socket.receive(WELCOME)
    receipts.sendDelivered()
    receipts.sendDelivered()
    expect(sent('delivered')).toEqual([{ type: 'delivered', peer: 2, seq: 3 }, { type: 'delivered', peer: 4, seq: 7 }])
  })

  it('forgets what it owes on reset, so nothing is sent for the previous user', () => {
    const { receipts, fake, sent } = setup()
    fake.socket.serverClose(1006)
    receipts.delivered(2, 3)
    receipts.reset()
    fake.socket.open()
    receipts.sendDelivered()
    expect(sent('delivered')).toEqual([])
  })

  it('marks read once per tick, up to the newest line shown, only while visible', async () => {
    const visible = setup({ open: 2, history: [fromBob(1), fromBob(2)] })
    await visible.conversations.loadNewest(2)
    visible.receipts.markRead()
    visible.receipts.markRead()
    await vi.advanceTimersByTimeAsync(0)
    expect(visible.sent('read')).toEqual([{ type: 'read', peer: 2, seq: 2 }])
    expect(visible.conversations.byPeer[2]!.unread).toBe(0)

    const hidden = setup({ open: 2, visible: false, history: [fromBob(1)] })
    await hidden.conversations.loadNewest(2)
    hidden.receipts.markRead()
    await vi.advanceTimersByTimeAsync(0)
    expect(hidden.sent('read')).toEqual([])
  })

  it('claims nothing read before the newest page is loaded', async () => {
    const { receipts, conversations, sent } = setup({ open: 2 })
    conversations.addMessage(2, fromBob(1))
    receipts.markRead()
    await vi.advanceTimersByTimeAsync(0)
    expect(sent('read')).toEqual([])
  })
})
