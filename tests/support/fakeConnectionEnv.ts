import { vi } from 'vitest'
import type { ConnectionEnv, SocketLike } from '../../stores/connection'

/** A WebSocket stand-in the test drives by hand: `open()`, `receive()`, `serverClose()`. */
export class FakeSocket implements SocketLike {
  readyState = 0
  sent: string[] = []
  closedWith: { code?: number, reason?: string } | undefined
  onopen: SocketLike['onopen'] = null
  onmessage: SocketLike['onmessage'] = null
  onclose: SocketLike['onclose'] = null
  onerror: SocketLike['onerror'] = null
  constructor(readonly url: string, readonly protocols: string[]) {}

  send(data: string) {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open')
    this.sent.push(data)
  }

  close(code?: number, reason?: string) {
    this.closedWith = { code, reason }
    this.readyState = 2
  }

  open() {
    this.readyState = 1
    this.onopen?.({})
  }

  receive(frame: object | string) {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) })
  }

  /** The server (or the network) closed it. */
  serverClose(code = 1006, reason = '') {
    this.readyState = 3
    this.onclose?.({ code, reason })
  }

  /** Frames sent, parsed. */
  get frames(): Array<{ type: string }> {
    return this.sent.map(s => JSON.parse(s))
  }
}

export const WELCOME = {
  type: 'welcome',
  user: { id: 1, username: 'alice' },
  heartbeat: { intervalMs: 1000, timeoutMs: 500 },
  head: 0,
}

/**
 * An environment on vitest's fake timers: time moves only with `vi.advanceTimersByTime`, sockets are
 * FakeSockets, browser events are fired by hand.
 */
export function createFakeEnv() {
  const sockets: FakeSocket[] = []
  const listeners = new Map<string, Set<() => void>>()
  let online = true
  let session: 'valid' | 'invalid' | 'disabled' | 'unknown' = 'valid'
  /** Whose session the cookie holds now (asked with a user id, anyone else's is `invalid`). */
  let sessionUser = WELCOME.user.id
  const env: ConnectionEnv = {
    url: () => 'ws://test/_ws',
    createSocket: (url, protocols) => {
      const socket = new FakeSocket(url, protocols)
      sockets.push(socket)
      return socket
    },
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: id => clearTimeout(id as ReturnType<typeof setTimeout>),
    now: () => Date.now(),
    random: () => 0.5,
    isOnline: () => online,
    checkSession: vi.fn(async (userId?: number) => (session === 'valid' && userId !== undefined && userId !== sessionUser ? 'invalid' : session)),
    onBrowserEvent: (type, fn) => {
      const set = listeners.get(type) ?? new Set()
      listeners.set(type, set)
      set.add(fn)
      return () => set.delete(fn)
    },
  }
  return {
    env,
    sockets,
    /** The newest socket. */
    get socket(): FakeSocket {
      const s = sockets.at(-1)
      if (!s) throw new Error('no socket was created')
      return s
    },
    fire(type: 'online' | 'offline' | 'visible') {
      for (const fn of listeners.get(type) ?? []) fn()
    },
    listenerCount: () => [...listeners.values()].reduce((n, s) => n + s.size, 0),
    setOnline(value: boolean) {
      online = value
    },
    setSession(value: typeof session, user = WELCOME.user.id) {
      session = value
      sessionUser = user
    },
  }
}
