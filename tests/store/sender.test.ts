import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useConnectionStore } from '../../stores/connection'
import { RETRY_AFTER_MS, useSenderStore } from '../../stores/sender'
import type { SenderEnv } from '../../stores/sender'
import { OUTBOX_MAX } from '../../utils/chat/outbox'
import { WELCOME, createFakeEnv } from '../support/fakeConnectionEnv'
import type { Sent } from '../support/fakeChatEnv'
import { memoryStorage } from '../support/memoryStorage'

/** A heartbeat slow enough that no ping falls within a test. */
const QUIET = { ...WELCOME, heartbeat: { intervalMs: 3_600_000, timeoutMs: 10_000 } }

/** A sender for user 1 on an open, welcomed link (not synced yet), on vitest's fake timers. */
function setup(overrides: Partial<SenderEnv> = {}) {
  setActivePinia(createPinia())
  const fake = createFakeEnv()
  const connection = useConnectionStore()
  connection.configure(fake.env)
  connection.connect()
  fake.socket.open()
  fake.socket.receive(QUIET)
  const storage = memoryStorage()
  let cid = 0
  const sender = useSenderStore()
  sender.configure({
    storage,
    newCid: () => `c${++cid}`,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: id => clearTimeout(id as ReturnType<typeof setTimeout>),
    now: () => Date.now(),
    ...overrides,
  })
  sender.open(1)
  sender.linkOpened()
  const sends = () => (fake.socket.frames as Sent[]).filter(f => f.type === 'send').map(f => f.cid)
  return { sender, connection, fake, storage, sends }
}

/** Queues and flushes, as the chat store does. */
function write(sender: ReturnType<typeof useSenderStore>, text: string, to = 2) {
  const entry = sender.add(to, text)
  sender.flush()
  return entry
}

beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(1_000_000)
})
afterEach(() => vi.useRealTimers())

describe('sender store', () => {
  it('keeps what is written in the outbox and sends nothing before the stream is synced', () => {
    const { sender, sends } = setup()
    expect(write(sender, 'early')).toMatchObject({ cid: 'c1', to: 2, text: 'early', state: 'queued', createdAt: 1_000_000 })
    expect(sends()).toEqual([])
    expect(sender.entries().map(e => e.text)).toEqual(['early'])
  })

  it('sends the waiting entries oldest first once synced, each once per link', () => {
    const { sender, sends } = setup()
    write(sender, 'one')
    write(sender, 'two')
    sender.linkReady()
    sender.flush()
    write(sender, 'three')
    expect(sends()).toEqual(['c1', 'c2', 'c3'])
  })

  it('sends an unacknowledged entry again on the next link, with the same cid', () => {
    const { sender, fake, sends } = setup()
    sender.linkReady()
    write(sender, 'once')
    fake.socket.serverClose(1006)
    sender.linkLost()
    vi.advanceTimersByTime(1000)
    fake.socket.open()
    fake.socket.receive(QUIET)
    sender.linkOpened()
    sender.linkReady()
    expect(sends()).toEqual(['c1'])
    expect(fake.sockets[0]!.frames.filter(f => f.type === 'send')).toHaveLength(1)
  })

  it('forgets an entry the server stored, and tells which it was', () => {
    const { sender, storage } = setup()
    sender.linkReady()
    write(sender, 'hello')
    expect(sender.stored('c1')).toMatchObject({ to: 2, text: 'hello' })
    expect(sender.entries()).toEqual([])
    expect(storage.map.size).toBe(0)
  })

  it('sends an entry the server failed to store again after a pause, not before', () => {
    const { sender, sends } = setup()
    sender.linkReady()
    write(sender, 'hello')
    expect(sender.refused('c1', 'internal')).toBeUndefined()
    vi.advanceTimersByTime(RETRY_AFTER_MS - 1)
    expect(sends()).toEqual(['c1'])
    vi.advanceTimersByTime(1)
    expect(sends()).toEqual(['c1', 'c1'])
  })

  it('waits on the injected timers, not the global ones', () => {
    const due: Array<() => void> = []
    const { sender, sends } = setup({ setTimeout: fn => due.push(fn), clearTimeout: () => {} })
    sender.linkReady()
    write(sender, 'hello')
    sender.refused('c1', 'internal')
    vi.advanceTimersByTime(60_000)
    expect(sends()).toEqual(['c1'])
    due.shift()!()
    expect(sends()).toEqual(['c1', 'c1'])
  })

  it('marks an entry the server refused as failed, keeps it across a reload, and sends it only when retried', () => {
    const { sender, storage, sends } = setup()
    sender.linkReady()
    write(sender, 'hello')
    expect(sender.refused('c1', 'unknown_user')).toMatchObject({ cid: 'c1', to: 2, state: 'failed', error: 'unknown_user' })
    vi.advanceTimersByTime(RETRY_AFTER_MS * 2)
    expect(sends()).toEqual(['c1'])
    expect(JSON.parse(storage.getItem('jizhan.outbox.1')!)).toMatchObject([{ cid: 'c1', state: 'failed' }])
    sender.retry('c1')
    expect(sends()).toEqual(['c1', 'c1'])
    expect(sender.entries()[0]!.state).toBe('queued')
    expect(sender.entries()[0]!.error).toBeUndefined()
  })

  it('ignores errors about entries it does not have', () => {
    const { sender } = setup()
    expect(sender.refused('nope', 'unknown_user')).toBeUndefined()
  })

  it('discards a failed entry from the outbox', () => {
    const { sender, storage } = setup()
    sender.linkReady()
    write(sender, 'hello')
    sender.refused('c1', 'self_message')
    sender.discard('c1')
    expect(sender.entries()).toEqual([])
    expect(storage.map.size).toBe(0)
  })

  it('refuses a message past the outbox bound with a reason instead of growing without end', () => {
    const { sender } = setup()
    for (let i = 0; i < OUTBOX_MAX; i++) sender.add(2, `m${i}`)
    expect(sender.add(2, 'one too many')).toBe('outbox_full')
  })

  it('stops sending on reset: a pending resend is cancelled, the outbox stays in storage', () => {
    const { sender, storage, sends } = setup()
    sender.linkReady()
    write(sender, 'hello')
    sender.refused('c1', 'internal')
    sender.reset()
    vi.advanceTimersByTime(RETRY_AFTER_MS)
    expect(sends()).toEqual(['c1'])
    expect(vi.getTimerCount()).toBe(1) // only the connection's next ping is left
    expect(storage.getItem('jizhan.outbox.1')).not.toBeNull()
  })
})
