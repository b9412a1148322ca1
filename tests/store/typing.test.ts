import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { computed, ref } from 'vue'
import { useConnectionStore } from '../../stores/connection'
import { useTypingStore } from '../../stores/typing'
import type { TypingEnv } from '../../stores/typing'
import { WELCOME, createFakeEnv } from '../support/fakeConnectionEnv'

/** The typing store on an open link, with the conversation `open` shows open and the page `visible`. */
function setup(initiallyOpen: number | string | null = 2) {
  setActivePinia(createPinia())
  const fake = createFakeEnv()
  const connection = useConnectionStore()
  connection.configure(fake.env)
  const open = ref<number | string | null>(initiallyOpen)
  let visible = true
  const visibilityListeners = new Set<() => void>()
  const env: TypingEnv = {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: id => clearTimeout(id as ReturnType<typeof setTimeout>),
    now: () => Date.now(),
    isVisible: () => visible,
    onVisibilityChange: (fn) => {
      visibilityListeners.add(fn)
      return () => visibilityListeners.delete(fn)
    },
  }
  const typing = useTypingStore()
  typing.configure(env, () => open.value)
  // (A heartbeat longer than any test: the link stays up while time passes.)
  const welcome = () => {
    fake.socket.open()
    fake.socket.receive({ ...WELCOME, heartbeat: { intervalMs: 60_000, timeoutMs: 10_000 } })
  }
  connection.connect()
  welcome()
  const sent = (type: string) => fake.socket.frames.filter(f => f.type === type)
  const setVisible = (value: boolean) => {
    visible = value
    for (const fn of visibilityListeners) fn()
  }
  const notice = (conv: number | string, from: number, username: string, stop?: true) =>
    fake.socket.receive({ type: 'typing', conv, from, username, ...(stop ? { stop } : {}) })
  return { typing, connection, fake, open, sent, setVisible, welcome, notice }
}

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('typing store: reading', () => {
  it('shows who types in a conversation, reactively, and forgets them 6 s after their last notice', () => {
    const { typing, notice } = setup()
    const shown = computed(() => typing.typingIn(2))
    expect(shown.value).toEqual([])
    notice(2, 2, 'bob')
    expect(shown.value).toEqual(['bob'])
    vi.advanceTimersByTime(4000)
    notice(2, 2, 'bob')
    vi.advanceTimersByTime(5999)
    expect(typing.typingIn(2)).toEqual(['bob'])
    vi.advanceTimersByTime(1)
    expect(shown.value).toEqual([])
  })

  it('lists several typists of a group in the order they started, each expiring on their own', () => {
    const { typing, notice } = setup('g1')
    notice('g1', 2, 'bob')
    vi.advanceTimersByTime(1000)
    notice('g1', 3, 'cat')
    vi.advanceTimersByTime(1000)
    notice('g1', 2, 'bob')
    expect(typing.typingIn('g1')).toEqual(['bob', 'cat'])
    vi.advanceTimersByTime(4999)
    expect(typing.typingIn('g1')).toEqual(['bob', 'cat'])
    vi.advanceTimersByTime(1)
    expect(typing.typingIn('g1')).toEqual(['bob'])
    vi.advanceTimersByTime(1000)
    expect(typing.typingIn('g1')).toEqual([])
  })

  it('clears a typist when they stop, and when their message arrives (direct and group)', () => {
    const { typing, fake, notice, open } = setup()
    notice(2, 2, 'bob')
    notice(2, 2, 'bob', true)
    expect(typing.typingIn(2)).toEqual([])
    notice(2, 2, 'bob')
    fake.socket.receive({ type: 'message', pos: 1, id: 'm1', seq: 1, from: 2, to: 1, text: 'hi', ts: 1 })
    expect(typing.typingIn(2)).toEqual([])
    open.value = 'g1'
    notice('g1', 2, 'bob')
    notice('g1', 3, 'cat')
    fake.socket.receive({ type: 'groupMessage', conv: 'g1', id: 'm2', seq: 4, from: 3, text: 'yo', ts: 2 })
    expect(typing.typingIn('g1')).toEqual(['bob'])
  })

  it('tells the server which conversation it shows when one opens, another opens, or none', async () => {
    const { sent, open } = setup(null)
    expect(sent('view')).toEqual([])
    open.value = 2
    open.value = 'g1'
    open.value = null
    expect(sent('view')).toEqual([{ type: 'view', conv: 2 }, { type: 'view', conv: 'g1' }, { type: 'view', conv: null }])
  })

  it('shows nothing while the page is hidden, and says so again when it is visible', () => {
    const { sent, setVisible } = setup(2)
    setVisible(false)
    setVisible(true)
    expect(sent('view')).toEqual([{ type: 'view', conv: 2 }, { type: 'view', conv: null }, { type: 'view', conv: 2 }])
  })

  it('sends its view again on the new socket after a reconnect, and drops what the old one said', async () => {
    const { typing, fake, notice, sent, welcome } = setup(2)
    notice(2, 2, 'bob')
    fake.socket.serverClose(1006)
    expect(typing.typingIn(2)).toEqual([])
    await vi.advanceTimersByTimeAsync(2000)
    welcome()
    expect(fake.sockets).toHaveLength(2)
    expect(sent('view')).toEqual([{ type: 'view', conv: 2 }])
  })

  it('drops notices of a conversation it no longer shows', () => {
    const { typing, notice, open } = setup(2)
    notice(2, 2, 'bob')
    open.value = 3
    open.value = 2
    expect(typing.typingIn(2)).toEqual([])
  })
})

describe('typing store: writing', () => {
  it('sends typing at most every 3 s while the composer changes, and stop when it is cleared', () => {
    const { typing, sent } = setup()
    typing.composerChanged(2, 'h')
    vi.advanceTimersByTime(1000)
    typing.composerChanged(2, 'he')
    vi.advanceTimersByTime(2000)
    typing.composerChanged(2, 'hel')
    typing.composerChanged(2, '')
    expect(sent('typing')).toEqual([{ type: 'typing', conv: 2 }, { type: 'typing', conv: 2 }, { type: 'typing', conv: 2, stop: true }])
  })

  it('tries again at the next change when the link was down, rather than waiting out the interval', async () => {
    const { typing, fake, sent, welcome } = setup()
    fake.socket.serverClose(1006)
    typing.composerChanged('g1', 'a')
    await vi.advanceTimersByTimeAsync(2000)
    welcome()
    typing.composerChanged('g1', 'ab')
    expect(sent('typing')).toEqual([{ type: 'typing', conv: 'g1' }])
  })
})
