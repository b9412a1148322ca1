import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { CloseCode, PROTOCOL_NAME, encodeFrame, parseServerFrame } from '#shared/protocol'
import type { ClientFrame, ServerFrame } from '#shared/protocol'
import { createBackoff } from '../utils/connection/backoff'
import type { Backoff } from '../utils/connection/backoff'
import { afterDrop, canAttempt, heartbeatOverdue, minimumRetryDelay, normalizeConnectionOptions } from '../utils/connection/connectionStatus'
import type { ConnectionOptions, ConnectionStatus } from '../utils/connection/connectionStatus'
import { PUBLIC_DEFAULTS, SETTINGS } from '#shared/settings'

/** The part of the browser WebSocket the store uses; tests pass a fake. */
export interface SocketLike {
  readonly readyState: number
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code: number, reason: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}

/** Everything the store needs from the outside world, injected so tests control time and sockets. */
export interface ConnectionEnv {
  url: () => string
  createSocket: (url: string, protocols: string[]) => SocketLike
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (id: unknown) => void
  now: () => number
  random: () => number
  /** `navigator.onLine`: false means no network at all, so attempts would only burn retries. */
  isOnline: () => boolean
  /**
   * Asks over HTTP whether the session still holds (a refused upgrade looks like a network error);
   * with `userId`, a session of anyone else is `invalid` too. `disabled`: it does not, because the
   * operator disabled the account (the 401's `data.code` is `account_disabled`).
   */
  checkSession: (userId?: number) => Promise<SessionVerdict>
  /** Subscribes to `online`, `offline` and `visible` browser events; returns the undo. */
  onBrowserEvent: (type: 'online' | 'offline' | 'visible', fn: () => void) => () => void
  /** Where configuration problems are reported (console.warn by default). */
  warn?: (message: string) => void
}

export type { ConnectionOptions }

/** What GET /api/auth/session said about this browser's session. */
export type SessionVerdict = 'valid' | 'invalid' | 'disabled' | 'unknown'

type FrameHandler = (frame: ServerFrame) => void
const OPEN = 1
const noop = () => {}

/**
 * The connection to the base station: one status value, the reconnect attempt and when the next one
 * happens, exposed reactively. Socket, timers and listeners live in this closure, out of the state
 * (they are not serialisable and must never reach the SSR payload).
 *
 * (Over 300 lines on purpose: it is one state machine — opening, heartbeat deadline, drop, retry —
 * whose steps share the current socket and its timers; split, each part would reach into the
 * others' closures. Every decision in it is a pure function in utils/connection/, tested alone.)
 */
/** How long after a 4001 a renewed session may still be on its way into the cookie. */
export const RENEWAL_GRACE_MS = 1000

export const useConnectionStore = defineStore('connection', () => {
  const status = ref<ConnectionStatus>('idle')
  /** Failed attempts since the last successful connection. */
  const attempt = ref(0)
  const maxAttempts = ref(PUBLIC_DEFAULTS.reconnectMaxAttempts)
  /** When the next attempt starts (ms since epoch), or null when none is scheduled. */
  const nextAttemptAt = ref<number | null>(null)
  /** Why the last socket ended, for the status line. */
  const lastError = ref<string | null>(null)
  /** The last socket was closed for sending too fast (the status line says so). */
  const limited = ref(false)
  /** The last socket was closed because the operator disabled the account (4003): signed out for that. */
  const accountDisabled = ref(false)
  /** Reconnecting, but the browser has no network: no attempt until it returns. */
  const waitingForNetwork = ref(false)
  // Until the welcome announces the server's, the shipped defaults.
  const heartbeat = shallowRef({ intervalMs: SETTINGS.heartbeatIntervalMs.default, timeoutMs: SETTINGS.heartbeatTimeoutMs.default })

  let env: ConnectionEnv | undefined
  let options: ConnectionOptions = PUBLIC_DEFAULTS
  let backoff: Backoff = createBackoff({ baseMs: options.reconnectBaseMs, capMs: options.reconnectCapMs })
  let socket: SocketLike | undefined
  let welcomed = false
  /** A pong arrived on the current socket. */
  let proven = false
  let lastInboundAt = 0
  const handlers = new Set<FrameHandler>()
  // Undo functions for the current socket's timers and for the browser listeners.
  let stopConnectTimeout = noop
  let stopPing = noop
  let stopPong = noop
  let browserCleanups: Array<() => void> = []
  let retryTimer: (() => void) | undefined

  function need(): ConnectionEnv {
    if (!env) throw new Error('connection store: call configure() before connecting')
    return env
  }

  function timer(fn: () => void, ms: number): () => void {
    const e = need()
    const id = e.setTimeout(fn, ms)
    return () => e.clearTimeout(id)
  }

  /** Injects the environment and options; call once before `connect()`. */
  function configure(newEnv: ConnectionEnv, newOptions: Partial<Record<keyof ConnectionOptions, unknown>> = {}) {
    cleanup()
    env = newEnv
    options = normalizeConnectionOptions(newOptions, newEnv.warn)
    maxAttempts.value = options.reconnectMaxAttempts
    backoff = createBackoff({ baseMs: options.reconnectBaseMs, capMs: options.reconnectCapMs, random: newEnv.random })
    browserCleanups = [
      newEnv.onBrowserEvent('online', () => wake()),
      newEnv.onBrowserEvent('visible', () => wake()),
      newEnv.onBrowserEvent('offline', () => {
        if (socket) drop('The network went away.')
      }),
    ]
  }

  /** Subscribes to every valid frame from the server; returns the undo. */
  function onFrame(handler: FrameHandler): () => void {
    handlers.add(handler)
    return () => handlers.delete(handler)
  }

  /** Starts connecting (a user action, or the first connection of the page). */
  function connect() {
    if (!canAttempt(status.value, 'user')) return
    cancelRetry()
    backoff.reset()
    attempt.value = 0
    lastError.value = null
    accountDisabled.value = false
    openSocket()
  }

  /** A deliberate close: never followed by a reconnect. */
  function disconnect() {
    cancelRetry()
    closeSocket(1000, 'client disconnect')
    status.value = 'closed'
  }

  /** The session ended (sign-out here or elsewhere): close and stay closed. */
  function signOut() {
    cancelRetry()
    closeSocket(1000, 'signed out')
    status.value = 'signed-out'
  }

  /** Signed out because the operator disabled the account (a 4003, or the session check said so). */
  function signOutDisabled() {
    accountDisabled.value = true
    signOut()
  }

  /**
   * Runs `task`, an HTTP call that replaces this browser's session (a password change ends every
   * session of the user, closing their sockets with 4001, and sets a fresh cookie), with this page's
   * socket closed deliberately first: the old session's 4001 never reaches it, so it is not taken for
   * a sign-out. Afterwards the connection opens again, with the new cookie, if it was wanted before
   * (also when the task failed: the old session then still holds).
   */
  async function renewSession<T>(task: () => Promise<T>): Promise<T> {
    const wanted = status.value !== 'idle' && status.value !== 'closed' && status.value !== 'signed-out'
    if (wanted) disconnect()
    try {
      return await task()
    }
    finally {
      if (wanted && status.value === 'closed') connect()
    }
  }

  /** Sends a frame if the connection is open; false otherwise (the caller decides what that means). */
  function send(frame: ClientFrame): boolean {
    if (status.value !== 'open' || !socket || socket.readyState !== OPEN) return false
    socket.send(encodeFrame(frame))
    return true
  }

  function openSocket() {
    const e = need()
    waitingForNetwork.value = false
    // One socket at a time: a socket still connecting is detached before its replacement exists,
    // and a pending session check is made stale.
    closeSocket(4000, 'replaced')
    status.value = attempt.value === 0 ? 'connecting' : 'reconnecting'
    nextAttemptAt.value = null
    welcomed = false
    const ws = e.createSocket(e.url(), [PROTOCOL_NAME])
    socket = ws
    lastInboundAt = e.now()
    stopConnectTimeout = timer(() => {
      if (socket === ws && !welcomed) drop('The server did not answer in time.')
    }, options.connectTimeoutMs)

    // Events of a replaced socket are ignored: each handler checks it is still the current one.
    ws.onmessage = (ev) => {
      if (socket !== ws) return
      lastInboundAt = e.now()
      if (typeof ev.data !== 'string') return
      const parsed = parseServerFrame(ev.data)
      if (!parsed.ok) return console.warn('[jizhan] ignored an invalid frame from the server:', parsed.message)
      if (parsed.frame.type === 'welcome') {
        welcomedUser = parsed.frame.user.id
        onWelcome(parsed.frame.heartbeat)
      }
      // The first pong proves the link both ways: only then do the attempts start over, so a server
      // that closes right after its welcome cannot make the client retry forever.
      else if (parsed.frame.type === 'pong' && !proven) {
        proven = true
        backoff.reset()
      }
      for (const handler of handlers) handler(parsed.frame)
    }
    ws.onclose = (ev) => {
      if (socket !== ws) return
      drop(ev.reason || `The connection closed (code ${ev.code}).`, ev.code)
    }
    ws.onerror = () => {}
  }

  function onWelcome(hb: { intervalMs: number, timeoutMs: number }) {
    welcomed = true
    stopConnectTimeout()
    heartbeat.value = hb
    attempt.value = 0
    lastError.value = null
    status.value = 'open'
    schedulePing()
  }

  /** Pings every interval. */
  function schedulePing() {
    stopPing = timer(() => {
      probe()
      schedulePing()
    }, heartbeat.value.intervalMs)
  }

  /**
   * Sends a ping; if nothing at all arrives within the timeout, the link is dead. The deadline is
   * judged by the time frames arrived, so a timer that fired late (a throttled background tab)
   * still decides correctly.
   */
  function probe() {
    if (!socket || !welcomed) return
    const sentAt = need().now()
    socket.send(encodeFrame({ type: 'ping' }))
    // An earlier deadline still pending stands (re-arming it on every ping would postpone it for
    // ever whenever timeout >= interval).
    if (stopPong !== noop) return
    stopPong = timer(() => {
      stopPong = noop
      if (socket && lastInboundAt < sentAt) drop('No heartbeat from the server.')
    }, heartbeat.value.timeoutMs)
  }

  /**
   * The current socket is gone (closed, timed out, network lost). Treat it as dead at once: detach
   * it, update the status and decide what follows. Closing a stalled socket cannot complete, so it
   * is never waited for.
   */
  function drop(reason: string, code = 1006) {
    const wasWelcomed = welcomed
    closeSocket(4000, 'dropped')
    lastError.value = code === CloseCode.RateLimited ? 'The server limited this connection: too many frames.' : reason
    lastCloseCode = code
    limited.value = code === CloseCode.RateLimited
    decide(afterDrop({ code, welcomed: wasWelcomed, attempts: backoff.attempts, maxAttempts: options.reconnectMaxAttempts }))
  }

  function decide(next: ReturnType<typeof afterDrop>) {
    if (next === 'sign-out') return signOut()
    if (next === 'account-disabled') return signOutDisabled()
    if (next === 'give-up') {
      status.value = 'offline'
      nextAttemptAt.value = null
      return
    }
    status.value = 'reconnecting'
    if (next === 'check-renewal') {
      // Only a session of the same user in the cookie goes on; anything else (signed out here or
      // everywhere, expired, someone else signed in, no answer) signs this page out. Asked twice:
      // the 4001 can arrive before the other tab's answer has put the new cookie in the jar.
      const checkedFor = ++sessionChecks
      const ask = (again: boolean) => need().checkSession(welcomedUser).then((verdict) => {
        if (checkedFor !== sessionChecks || status.value !== 'reconnecting') return
        if (verdict === 'valid' && welcomedUser !== undefined) return scheduleRetry()
        if (verdict === 'disabled') return signOutDisabled()
        if (again) return void need().setTimeout(() => void ask(false), RENEWAL_GRACE_MS)
        signOut()
      }, () => signOut())
      void ask(true)
      return
    }
    if (next === 'check-session') {
      const checkedFor = ++sessionChecks
      need().checkSession().then((verdict) => {
        if (checkedFor !== sessionChecks || status.value !== 'reconnecting') return
        if (verdict === 'invalid') return signOut()
        // A refused upgrade of a disabled account: the same end as its 4003.
        if (verdict === 'disabled') return signOutDisabled()
        decide(afterDrop({ code: 1006, welcomed: false, sessionChecked: true, attempts: backoff.attempts, maxAttempts: options.reconnectMaxAttempts }))
      }, () => {})
      return
    }
    scheduleRetry()
  }
  let sessionChecks = 0
  /** Who the server last welcomed on this page: a renewed session must be theirs. */
  let welcomedUser: number | undefined
  /** Close code of the last lost socket (1006 when it just vanished). */
  let lastCloseCode = 1006

  function scheduleRetry() {
    cancelRetry()
    // Without any network an attempt can only fail: wait for the `online` event instead.
    waitingForNetwork.value = !need().isOnline()
    if (waitingForNetwork.value) {
      nextAttemptAt.value = null
      return
    }
    const delay = Math.max(backoff.duration(), minimumRetryDelay(lastCloseCode))
    attempt.value = backoff.attempts
    nextAttemptAt.value = need().now() + delay
    retryTimer = timer(() => {
      retryTimer = undefined
      openSocket()
    }, delay)
  }

  function cancelRetry() {
    retryTimer?.()
    retryTimer = undefined
    nextAttemptAt.value = null
  }

  /**
   * The network came back or the tab became visible. An open link that has been quiet too long by
   * the wall clock (its timers may have slept) is probed now; a waiting connection is revived.
   */
  function wake() {
    if (status.value === 'open') {
      if (heartbeatOverdue(need().now(), lastInboundAt, heartbeat.value)) probe()
      return
    }
    // An attempt already in flight is left to finish.
    if (socket || !canAttempt(status.value, 'network') || !need().isOnline()) return
    cancelRetry()
    if (status.value === 'offline') {
      backoff.reset()
      attempt.value = 0
    }
    openSocket()
  }

  function closeSocket(code: number, reason: string) {
    for (const stop of [stopConnectTimeout, stopPing, stopPong]) stop()
    stopConnectTimeout = stopPing = stopPong = noop
    const ws = socket
    socket = undefined
    welcomed = false
    proven = false
    sessionChecks++
    if (!ws) return
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null
    try {
      ws.close(code, reason)
    }
    catch {
      // Closing a socket that is still connecting throws in some browsers; it is detached anyway.
    }
  }

  /** Stops everything this store started: socket, timers and browser listeners. */
  function cleanup() {
    cancelRetry()
    closeSocket(1000, 'cleanup')
    for (const undo of browserCleanups) undo()
    browserCleanups = []
  }

  const isOpen = computed(() => status.value === 'open')

  return {
    status, attempt, maxAttempts, nextAttemptAt, lastError, limited, accountDisabled, waitingForNetwork, heartbeat, isOpen,
    configure, connect, disconnect, signOut, renewSession, send, onFrame, cleanup,
  }
})
