import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CloseCode } from '#shared/protocol'
import { RENEWAL_GRACE_MS, useConnectionStore } from '../../stores/connection'
import { WELCOME, createFakeEnv } from '../support/fakeConnectionEnv'

const options = { reconnectBaseMs: 1000, reconnectCapMs: 8000, reconnectMaxAttempts: 3, connectTimeoutMs: 5000 }

function setup() {
  setActivePinia(createPinia())
  const fake = createFakeEnv()
  const store = useConnectionStore()
  store.configure(fake.env, options)
  return { store, fake }
}

/** Connects and completes the handshake (open + welcome with a 1000/500 ms heartbeat). */
function connected() {
  const ctx = setup()
  ctx.store.connect()
  ctx.fake.socket.open()
  ctx.fake.socket.receive(WELCOME)
  return ctx
}

// Flushes the promise of the session check.
const settle = () => vi.advanceTimersByTimeAsync(0)

beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(1_000_000)
})
afterEach(() => {
  vi.useRealTimers()
})

describe('connection store', () => {
  it('is open only after the server welcomed it, not on the socket open event', () => {
    const { store, fake } = setup()
    expect(store.status).toBe('idle')
    store.connect()
    expect(store.status).toBe('connecting')
    expect(fake.socket.protocols).toEqual(['jizhan.v1'])
    fake.socket.open()
    expect(store.status).toBe('connecting')
    fake.socket.receive(WELCOME)
    expect(store.status).toBe('open')
    expect(store.heartbeat).toEqual({ intervalMs: 1000, timeoutMs: 500 })
  })

  it('pings every heartbeat interval and stays open while pongs come back', () => {
    const { store, fake } = connected()
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(1000)
      fake.socket.receive({ type: 'pong' })
    }
    expect(fake.socket.frames.filter(f => f.type === 'ping')).toHaveLength(5)
    expect(store.status).toBe('open')
  })

  it('treats a missing pong as a dead link: reconnecting at once, the old socket detached and closed', () => {
    const { store, fake } = connected()
    const first = fake.socket
    vi.advanceTimersByTime(1000) // ping
    vi.advanceTimersByTime(500) // no pong by the deadline
    expect(store.status).toBe('reconnecting')
    expect(store.lastError).toMatch(/heartbeat/)
    expect(first.closedWith).toBeDefined()
    expect(first.onclose).toBeNull()
    expect(store.nextAttemptAt).toBe(Date.now() + 500) // full jitter: random 0.5 of the 1000 ms window
    vi.advanceTimersByTime(500)
    expect(fake.sockets).toHaveLength(2)
  })

  it('catches a dead link even when the pong timeout is as long as the ping interval', () => {
    const { store, fake } = setup()
    store.connect()
    fake.socket.open()
    fake.socket.receive({ ...WELCOME, heartbeat: { intervalMs: 1000, timeoutMs: 1000 } })
    vi.advanceTimersByTime(1000) // first ping; its deadline and the next ping fall due together
    vi.advanceTimersByTime(1000)
    expect(store.status).toBe('reconnecting')
  })

  it('probes at once when the wall clock shows the link overdue, and drops it if the probe gets no answer', () => {
    const { store, fake } = connected()
    // The tab slept: the clock jumped a minute while no timer ran.
    vi.setSystemTime(Date.now() + 60_000)
    fake.fire('visible')
    expect(fake.socket.frames.at(-1)).toEqual({ type: 'ping' })
    expect(store.status).toBe('open')
    vi.advanceTimersByTime(500)
    expect(store.status).toBe('reconnecting')
  })

  it('keeps a healthy link whose timers slept: the probe is answered', () => {
    const { store, fake } = connected()
    vi.setSystemTime(Date.now() + 60_000)
    fake.fire('visible')
    fake.socket.receive({ type: 'pong' })
    vi.advanceTimersByTime(500)
    expect(store.status).toBe('open')
    expect(fake.sockets).toHaveLength(1)
  })

  it('judges a pong deadline that fired late by when frames arrived, not by when the timer ran', () => {
    const { store, fake } = connected()
    vi.advanceTimersByTime(1000) // ping sent
    fake.socket.receive({ type: 'pong' })
    vi.setSystemTime(Date.now() + 60_000) // the pong timer runs a minute late
    vi.advanceTimersByTime(500)
    expect(store.status).toBe('open')
  })

  it('grows the backoff delay per failed attempt up to the cap, then gives up offline', async () => {
    const { store, fake } = connected()
    fake.socket.serverClose(1006)
    expect(store.status).toBe('reconnecting')
    const delays: number[] = []
    for (let i = 0; i < 3; i++) {
      delays.push(store.nextAttemptAt! - Date.now())
      expect(store.attempt).toBe(i + 1)
      vi.advanceTimersByTime(store.nextAttemptAt! - Date.now())
      fake.socket.serverClose(1006) // the attempt fails before any welcome
      await settle() // session check says valid
    }
    expect(delays).toEqual([500, 1000, 2000])
    expect(store.status).toBe('offline')
    expect(store.nextAttemptAt).toBeNull()
    vi.advanceTimersByTime(60_000)
    expect(fake.sockets).toHaveLength(4) // no attempt after giving up
  })

  it('waits at least 5 s after being closed for flooding, and says why', () => {
    const { store, fake } = connected()
    fake.socket.serverClose(CloseCode.RateLimited, 'rate limited')
    expect(store.status).toBe('reconnecting')
    expect(store.nextAttemptAt! - Date.now()).toBe(5000)
    expect(store.lastError).toMatch(/too many frames/)
  })

  it('caps the delay window', async () => {
    const { store, fake } = setup()
    store.configure(fake.env, { ...options, reconnectMaxAttempts: 10 })
    store.connect()
    const delays: number[] = []
    for (let i = 0; i < 6; i++) {
      fake.socket.serverClose(1006)
      await settle()
      delays.push(store.nextAttemptAt! - Date.now())
      vi.advanceTimersByTime(store.nextAttemptAt! - Date.now())
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 4000, 4000])
  })

  it('resets the attempts once a reconnected link answered its first ping', () => {
    const { store, fake } = connected()
    fake.socket.serverClose(1006)
    vi.advanceTimersByTime(500)
    fake.socket.open()
    fake.socket.receive(WELCOME)
    expect(store.status).toBe('open')
    expect(store.attempt).toBe(0)
    vi.advanceTimersByTime(1000)
    fake.socket.receive({ type: 'pong' })
    fake.socket.serverClose(1006)
    expect(store.nextAttemptAt! - Date.now()).toBe(500)
  })

  it('keeps counting attempts, and gives up, when the server closes right after every welcome', () => {
    const { store, fake } = connected()
    for (let i = 0; i < 3; i++) {
      fake.socket.serverClose(1011)
      vi.advanceTimersByTime(store.nextAttemptAt! - Date.now())
      fake.socket.open()
      fake.socket.receive(WELCOME)
    }
    fake.socket.serverClose(1011)
    expect(store.status).toBe('offline')
  })

  it('retries with growing backoff, asking nothing over HTTP, when the server says to try again later (1013) instead of its welcome', async () => {
    const { store, fake } = setup()
    store.connect()
    const delays: number[] = []
    for (let i = 0; i < 3; i++) {
      fake.socket.open()
      fake.socket.serverClose(CloseCode.TryAgainLater, 'try again later')
      await settle()
      expect(store.status).toBe('reconnecting')
      delays.push(store.nextAttemptAt! - Date.now())
      vi.advanceTimersByTime(store.nextAttemptAt! - Date.now())
    }
    expect(delays).toEqual([500, 1000, 2000]) // full jitter at 0.5 of 1, 2, 4 s
    expect(fake.env.checkSession).not.toHaveBeenCalled()
    expect(fake.sockets).toHaveLength(4)
  })

  it('opens no second socket when the tab becomes visible while a retry is connecting', () => {
    const { store, fake } = connected()
    fake.socket.serverClose(1006)
    vi.advanceTimersByTime(500)
    expect(fake.sockets).toHaveLength(2)
    fake.fire('visible')
    fake.fire('online')
    expect(fake.sockets).toHaveLength(2)
    expect(store.status).toBe('reconnecting')
  })

  it('schedules nothing from a session check that a newer attempt made stale', async () => {
    const { store, fake } = setup()
    let answer: (v: 'valid') => void = () => {}
    fake.env.checkSession = () => new Promise(resolve => (answer = resolve))
    store.connect()
    fake.socket.serverClose(1006) // never welcomed: the session is being checked
    fake.fire('visible') // a new attempt starts meanwhile
    expect(fake.sockets).toHaveLength(2)
    fake.socket.open()
    fake.socket.receive(WELCOME)
    answer('valid')
    await settle()
    expect(store.status).toBe('open')
    expect(store.nextAttemptAt).toBeNull()
    vi.advanceTimersByTime(900) // within the first heartbeat interval, so only a stale retry could open one
    expect(fake.sockets).toHaveLength(2)
  })

  it('replaces a bad reconnect setting by its default instead of retrying without delay', () => {
    const { store, fake } = setup()
    const warnings: string[] = []
    store.configure({ ...fake.env, warn: m => warnings.push(m) }, { reconnectBaseMs: 'NaN', reconnectMaxAttempts: -1 })
    expect(store.maxAttempts).toBe(10)
    expect(warnings).toHaveLength(2)
  })

  it('never reconnects after a deliberate disconnect', () => {
    const { store, fake } = connected()
    store.disconnect()
    expect(store.status).toBe('closed')
    expect(fake.socket.closedWith?.code).toBe(1000)
    fake.fire('online')
    fake.fire('visible')
    vi.advanceTimersByTime(120_000)
    expect(fake.sockets).toHaveLength(1)
    expect(store.status).toBe('closed')
  })

  it('connects again when the user asks after a deliberate disconnect', () => {
    const { store, fake } = connected()
    store.disconnect()
    store.connect()
    expect(fake.sockets).toHaveLength(2)
    expect(store.status).toBe('connecting')
  })

  it('goes signed-out and never retries when the server ends the session and the cookie holds none', async () => {
    const { store, fake } = connected()
    fake.setSession('invalid')
    fake.socket.serverClose(CloseCode.SessionEnded, 'session ended')
    await settle()
    expect(fake.env.checkSession).toHaveBeenCalledWith(WELCOME.user.id)
    await vi.advanceTimersByTimeAsync(RENEWAL_GRACE_MS)
    expect(fake.env.checkSession).toHaveBeenCalledTimes(2)
    expect(store.status).toBe('signed-out')
    fake.fire('online')
    vi.advanceTimersByTime(120_000)
    expect(fake.sockets).toHaveLength(1)
  })

  it('goes signed-out with its own reason after a 4003 (the account was disabled): asks nothing, never reconnects', async () => {
    const { store, fake } = connected()
    // (Even with a cookie the server would call valid: no session of a disabled account is.)
    fake.setSession('valid')
    fake.socket.serverClose(CloseCode.AccountDisabled, 'account disabled')
    await settle()
    expect(store.status).toBe('signed-out')
    expect(store.accountDisabled).toBe(true)
    expect(fake.env.checkSession).not.toHaveBeenCalled()
    fake.fire('online')
    fake.fire('visible')
    await vi.advanceTimersByTimeAsync(120_000)
    expect(fake.sockets).toHaveLength(1)
    // Signing in again (a user action) starts over without the reason.
    store.connect()
    expect(store.accountDisabled).toBe(false)
    expect(fake.sockets).toHaveLength(2)
  })

  it('goes signed-out as disabled when a reconnect is refused and the session check says the account was disabled', async () => {
    const { store, fake } = connected()
    fake.socket.serverClose(1006) // the link dropped; meanwhile the operator disabled the account
    fake.setSession('disabled')
    await vi.advanceTimersByTimeAsync(options.reconnectCapMs)
    expect(fake.sockets).toHaveLength(2)
    fake.socket.serverClose(1006) // the upgrade was refused (a browser sees no status)
    await settle()
    expect(fake.env.checkSession).toHaveBeenCalled()
    expect(store.status).toBe('signed-out')
    expect(store.accountDisabled).toBe(true)
    fake.fire('online')
    await vi.advanceTimersByTimeAsync(120_000)
    expect(fake.sockets).toHaveLength(2)
  })

  it('goes signed-out as disabled after a 4001 when the session check says the account was disabled', async () => {
    const { store, fake } = connected()
    fake.setSession('disabled')
    fake.socket.serverClose(CloseCode.SessionEnded, 'session ended')
    await settle()
    expect(store.status).toBe('signed-out')
    expect(store.accountDisabled).toBe(true)
    expect(store.checkingSession).toBe(false)
  })

  it('reconnects after a 4001 when the cookie already holds a new session of the same user (a password changed in another tab)', async () => {
    const { store, fake } = connected()
    fake.socket.serverClose(CloseCode.SessionEnded, 'session ended')
    await settle()
    expect(store.status).toBe('reconnecting')
    vi.advanceTimersByTime(120_000)
    expect(fake.sockets).toHaveLength(2)
  })

  it('asks once more after a moment when the new session is not in the cookie yet', async () => {
    const { store, fake } = connected()
    fake.setSession('invalid')
    fake.socket.serverClose(CloseCode.SessionEnded, 'session ended')
    await settle()
    expect(store.status).toBe('reconnecting')
    expect(store.checkingSession).toBe(true)
    fake.setSession('valid') // the other tab's answer arrived
    await vi.advanceTimersByTimeAsync(RENEWAL_GRACE_MS)
    expect(fake.env.checkSession).toHaveBeenCalledTimes(2)
    expect(store.status).toBe('reconnecting')
    expect(store.checkingSession).toBe(false) // a retry is scheduled: the countdown shows
    vi.advanceTimersByTime(120_000)
    expect(fake.sockets).toHaveLength(2)
  })

  it('signs out after a 4001 when the cookie holds someone else\'s session, or the server cannot say', async () => {
    for (const [verdict, user] of [['valid', WELCOME.user.id + 1], ['unknown', WELCOME.user.id]] as const) {
      const { store, fake } = connected()
      fake.setSession(verdict, user)
      fake.socket.serverClose(CloseCode.SessionEnded, 'session ended')
      await settle()
      await vi.advanceTimersByTimeAsync(RENEWAL_GRACE_MS)
      expect(store.status).toBe('signed-out')
      vi.advanceTimersByTime(120_000)
      expect(fake.sockets).toHaveLength(1)
    }
  })

  it('survives a renewed session: the old session\'s 4001 never signs the page out, and it reconnects with the new cookie', async () => {
    const { store, fake } = connected()
    const old = fake.socket
    const renewed = store.renewSession(async () => {
      // Meanwhile the server ends the old session: the page no longer listens to that socket.
      expect(store.status).toBe('closed')
      expect(old.closedWith?.code).toBe(1000)
      old.serverClose(CloseCode.SessionEnded, 'session ended')
      return 'ok'
    })
    await expect(renewed).resolves.toBe('ok')
    expect(store.status).toBe('connecting')
    expect(fake.sockets).toHaveLength(2)
    fake.socket.open()
    fake.socket.receive(WELCOME)
    expect(store.status).toBe('open')
  })

  it('reconnects after a failed renewal too (the old session holds), and passes the failure on', async () => {
    const { store, fake } = connected()
    await expect(store.renewSession(async () => {
      throw new Error('wrong_password')
    })).rejects.toThrow('wrong_password')
    expect(store.status).toBe('connecting')
    expect(fake.sockets).toHaveLength(2)
  })

  it('opens no connection for a renewal when none was wanted', async () => {
    const { store, fake } = setup()
    await store.renewSession(async () => {})
    expect(store.status).toBe('idle')
    expect(fake.sockets).toHaveLength(0)
    store.connect()
    fake.socket.open()
    fake.socket.receive(WELCOME)
    store.disconnect()
    await store.renewSession(async () => {})
    expect(store.status).toBe('closed')
    expect(fake.sockets).toHaveLength(1)
  })

  it('goes signed-out without retrying when a refused upgrade turns out to be a lost session', async () => {
    const { store, fake } = setup()
    fake.setSession('invalid')
    store.connect()
    fake.socket.serverClose(1006) // how a browser sees a 401 on the upgrade
    await settle()
    expect(fake.env.checkSession).toHaveBeenCalledOnce()
    expect(store.status).toBe('signed-out')
    vi.advanceTimersByTime(120_000)
    expect(fake.sockets).toHaveLength(1)
  })

  it('retries a refused upgrade when the session still holds (the server was down)', async () => {
    const { store, fake } = setup()
    store.connect()
    fake.socket.serverClose(1006)
    await settle()
    expect(store.status).toBe('reconnecting')
    expect(store.nextAttemptAt).not.toBeNull()
  })

  it('ignores the events of a replaced socket', () => {
    const { store, fake } = connected()
    const old = fake.socket
    const oldOnClose = old.onclose!
    const oldOnMessage = old.onmessage!
    old.serverClose(1006)
    vi.advanceTimersByTime(500)
    const current = fake.socket
    expect(current).not.toBe(old)
    // Late events from the old socket must not touch the new connection.
    oldOnMessage({ data: JSON.stringify(WELCOME) })
    expect(store.status).toBe('reconnecting')
    current.open()
    current.receive(WELCOME)
    oldOnClose({ code: 1006, reason: '' })
    expect(store.status).toBe('open')
  })

  it('attempts at once when the browser comes back online', () => {
    const { store, fake } = connected()
    fake.setOnline(false)
    fake.fire('offline')
    expect(store.status).toBe('reconnecting')
    expect(store.nextAttemptAt).toBeNull() // no attempts are burnt without a network
    vi.advanceTimersByTime(60_000)
    expect(fake.sockets).toHaveLength(1)
    fake.setOnline(true)
    fake.fire('online')
    expect(fake.sockets).toHaveLength(2)
  })

  it('attempts at once when the tab becomes visible while waiting for a retry', () => {
    const { store, fake } = connected()
    fake.socket.serverClose(1006)
    expect(store.nextAttemptAt).not.toBeNull()
    fake.fire('visible')
    expect(fake.sockets).toHaveLength(2)
    expect(store.nextAttemptAt).toBeNull()
  })

  it('revives a given-up connection when the network returns, with fresh attempts', async () => {
    const { store, fake } = connected()
    fake.socket.serverClose(1006)
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(store.nextAttemptAt! - Date.now())
      fake.socket.serverClose(1006)
      await settle()
    }
    expect(store.status).toBe('offline')
    fake.fire('online')
    expect(store.status).toBe('connecting')
    expect(store.attempt).toBe(0)
  })

  it('treats a socket that opens but never gets its welcome as failed after the connect timeout', async () => {
    const { store, fake } = setup()
    store.connect()
    fake.socket.open()
    vi.advanceTimersByTime(5000)
    await settle()
    expect(store.status).toBe('reconnecting')
    expect(store.lastError).toMatch(/did not answer/)
  })

  it('sends only while open, and refuses otherwise', () => {
    const { store, fake } = setup()
    store.connect()
    expect(store.send({ type: 'ping' })).toBe(false)
    fake.socket.open()
    fake.socket.receive(WELCOME)
    expect(store.send({ type: 'send', cid: 'c', to: 2, text: 'hi' })).toBe(true)
    expect(fake.socket.frames.at(-1)).toEqual({ type: 'send', cid: 'c', to: 2, text: 'hi' })
  })

  it('hands valid frames to subscribers and drops invalid ones', () => {
    const { store, fake } = connected()
    const seen: string[] = []
    const undo = store.onFrame(f => seen.push(f.type))
    fake.socket.receive({ type: 'presence', online: [{ id: 2, username: 'bob' }], offline: [] })
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    fake.socket.receive('not json')
    fake.socket.receive({ type: 'presence', user: 'bob' })
    expect(warn).toHaveBeenCalledTimes(2)
    undo()
    fake.socket.receive({ type: 'pong' })
    expect(seen).toEqual(['presence'])
  })

  it('cleans up every timer and listener', () => {
    const { store, fake } = connected()
    expect(fake.listenerCount()).toBe(3)
    store.cleanup()
    expect(fake.listenerCount()).toBe(0)
    expect(vi.getTimerCount()).toBe(0)
  })
})
