import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useChatStore } from '../../stores/chat'
import { useConnectionStore } from '../../stores/connection'
import { WELCOME, createFakeEnv } from '../support/fakeConnectionEnv'

function setup() {
  setActivePinia(createPinia())
  const fake = createFakeEnv()
  const connection = useConnectionStore()
  connection.configure(fake.env)
  const chat = useChatStore()
  chat.setContacts([{ id: 1, username: 'alice', online: false }, { id: 2, username: 'bob', online: false }])
  connection.connect()
  fake.socket.open()
  fake.socket.receive(WELCOME)
  chat.select(2)
  return { chat, connection, fake }
}

const lastSent = (fake: ReturnType<typeof createFakeEnv>) => fake.socket.frames.at(-1) as unknown as { cid: string }

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('chat store', () => {
  it('shows a sent line as sending until the server acknowledges it', () => {
    const { chat, fake } = setup()
    chat.send('hello')
    const { cid } = lastSent(fake)
    expect(chat.selectedItems).toMatchObject([{ text: 'hello', status: 'sending', cid }])
    fake.socket.receive({ type: 'ack', cid, id: 'm1', ts: 5 })
    expect(chat.selectedItems).toMatchObject([{ id: 'm1', status: 'sent', ts: 5 }])
  })

  it('marks a line failed with the server\'s reason, and retries it with the same client id', () => {
    const { chat, fake } = setup()
    chat.send('hello')
    const { cid } = lastSent(fake)
    fake.socket.receive({ type: 'error', code: 'recipient_offline', message: 'The recipient is offline', cid })
    expect(chat.selectedItems[0]).toMatchObject({ status: 'failed', error: 'The recipient is offline' })
    chat.retry(2, cid)
    expect(lastSent(fake).cid).toBe(cid)
    expect(chat.selectedItems[0]!.status).toBe('sending')
  })

  it('fails lines still waiting for their ack when the connection drops', async () => {
    const { chat, fake } = setup()
    chat.send('hello')
    fake.socket.serverClose(1006)
    await vi.advanceTimersByTimeAsync(0)
    expect(chat.selectedItems[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/Connection lost/) })
  })

  it('counts unread lines of conversations not on screen and clears them on opening', () => {
    const { chat, fake } = setup()
    chat.select(null)
    fake.socket.receive({ type: 'message', id: 'm1', from: 2, to: 1, text: 'hi', ts: 1 })
    fake.socket.receive({ type: 'message', id: 'm2', from: 2, to: 1, text: 'there', ts: 2 })
    expect(chat.unread[2]).toBe(2)
    expect(chat.announcement).toBe('New message from bob: there')
    chat.select(2)
    expect(chat.unread[2]).toBe(0)
    expect(chat.selectedItems.map(i => i.text)).toEqual(['hi', 'there'])
  })

  it('shows a message once even if it arrives twice', () => {
    const { chat, fake } = setup()
    const frame = { type: 'message', id: 'm1', from: 2, to: 1, text: 'hi', ts: 1 }
    fake.socket.receive(frame)
    fake.socket.receive(frame)
    expect(chat.selectedItems).toHaveLength(1)
  })

  it('shows what I sent from another device as my own line', () => {
    const { chat, fake } = setup()
    fake.socket.receive({ type: 'message', id: 'm9', from: 1, to: 2, text: 'from my phone', ts: 1, cid: 'other' })
    expect(chat.selectedItems).toMatchObject([{ status: 'sent', text: 'from my phone' }])
    expect(chat.unread[2]).toBeFalsy()
  })

  it('follows presence: online list on welcome, then joins and leaves', () => {
    const { chat, fake } = setup()
    expect(chat.contacts[2]!.online).toBe(false)
    fake.socket.receive({ type: 'presence', user: { id: 2, username: 'bob' }, online: true })
    expect(chat.contactList[0]).toMatchObject({ username: 'bob', online: true })
    fake.socket.receive({ type: 'presence', user: { id: 3, username: 'carol' }, online: true })
    expect(chat.contactList.map(c => c.username)).toEqual(['bob', 'carol'])
    fake.socket.receive({ type: 'presence', user: { id: 2, username: 'bob' }, online: false })
    expect(chat.contacts[2]!.online).toBe(false)
  })
})
