import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { CloseCode, PROTOCOL_NAME, encodeFrame, parseServerFrame } from '#shared/protocol'
import type { ClientFrame, ServerFrame } from '#shared/protocol'
import { createBackoff } from '#shared/backoff'
import type { Backoff } from '#shared/backoff'
import { afterDrop, canAttempt, minimumRetryDelay, normalizeConnectionOptions } from '../utils/connection/connectionStatus'
import type { ConnectionOptions, ConnectionStatus } from '../utils/connection/connectionStatus'
import type { ConnectionEnv, SocketLike } from '../utils/connection/connectionEnv'
import { createHeartbeat } from '../utils/connection/heartbeat'
import { renewSession as runRenewal } from '../utils/connection/renewSession'
import { createSessionCheck } from '../utils/connection/sessionCheck'
import { PUBLIC_DEFAULTS, SETTINGS } from '#shared/settings'

export type { ConnectionOptions, ConnectionEnv, SocketLike }
export type { SessionVerdict } from '../utils/connection/sessionCheck'
/** How long after a 4001 a renewed session may still be on its way into the cookie. */
export { RENEWAL_GRACE_MS } from '../utils/connection/sessionCheck'

type FrameHandler = (frame: ServerFrame) => void
const OPEN = 1
const noop = () => {}

/**
 * The connection to the base station: one status value, the reconnect attempt and when the next one
 * happens, exposed reactively. Socket, timers and listeners live in this closure, out of the state
 * (they are not serialisable and must never reach the SSR payload).
 *
 * The rest is delegated to utils/connection/: the heartbeat (`heartbeat.ts`), the questions over
 * HTTP after a lost socket (`sessionCheck.ts`), a session renewal (`renewSession.ts`); every decision
 * is a pure function (`connectionStatus.ts`; the delays: `shared/backoff.ts`), tested alone. (A little over 300
 * lines: what is left is one state machine — open, drop, retry — whose steps share the current
 * socket and its timers; split further, each part would reach into the others' closures.)
 */
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
  /**
   * After a 4001, asking whether this browser's session was renewed (another tab changed the
   * password) before signing out: the status line says so rather than "reconnecting".
   */
  const checkingSession = ref(false)
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
  const handlers = new Set<FrameHandler>()
  // Undo functions for the current socket's timers and for the browser listeners.
  let stopConnectTimeout = noop
  let browserCleanups: Array<() => void> = []
  let retryTimer: (() => void) | undefined
  /** Who the server last welcomed on this page: a renewed session must be theirs. */
  let welcomedUser: number | undefined
  /** Close code of the last lost socket (1006 when it just vanished). */
  let lastCloseCode = 1006

  function need(): ConnectionEnv {
    if (!env) throw new Error('connection store: call configure() before connecting')
    return env
  }

  function timer(fn: () => void, ms: number): () => void {
    const e = need()
    const id = e.setTimeout(fn, ms)
    return () => e.clearTimeout(id)
  }

  // Pings every interval, and a deadline after each (utils/connection/heartbeat.ts).
  const keepAlive = createHeartbeat({
    timer,
    now: () => need().now(),
    settings: () => heartbeat.value,
    ping: () => {
      if (!socket || !welcomed) return false
      socket.send(encodeFrame({ type: 'ping' }))
      return true
    },
    dead: () => {
      if (socket) drop('No heartbeat from the server.')
    },
  })

  // The questions over HTTP after a lost socket (utils/connection/sessionCheck.ts).
  const sessionCheck = createSessionCheck({
    checkSession: userId => need().checkSession(userId),
    setTimeout: (fn, ms) => need().setTimeout(fn, ms),
    welcomedUser: () => welcomedUser,
    waiting: () => status.value === 'reconnecting',
    retry: () => scheduleRetry(),
    signOut: () => signOut(),
    signOutDisabled: () => signOutDisabled(),
    sessionChecked: () => decide(afterDrop({ code: 1006, welcomed: false, sessionChecked: true, attempts: backoff.attempts, maxAttempts: options.reconnectMaxAttempts })),
  })

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

  /** Runs `task`, an HTTP call that replaces this browser's session, without taking its 4001 for a sign-out. */
  function renewSession<T>(task: () => Promise<T>): Promise<T> {
    return runRenewal({ status: () => status.value, disconnect, connect }, task)
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
    checkingSession.value = false
    status.value = attempt.value === 0 ? 'connecting' : 'reconnecting'
    nextAttemptAt.value = null
    welcomed = false
    const ws = e.createSocket(e.url(), [PROTOCOL_NAME])
    socket = ws
    keepAlive.received(e.now())
    stopConnectTimeout = timer(() => {
      if (socket === ws && !welcomed) drop('The server did not answer in time.')
    }, options.connectTimeoutMs)

    // Events of a replaced socket are ignored: each handler checks it is still the current one.
    ws.onmessage = (ev) => {
      if (socket !== ws) return
      keepAlive.received(e.now())
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
    keepAlive.start()
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
    // Asked over HTTP first (utils/connection/sessionCheck.ts); the answer signs out or goes on.
    if (next === 'check-renewal') {
      checkingSession.value = true
      return sessionCheck.renewal()
    }
    if (next === 'check-session') return sessionCheck.session()
    scheduleRetry()
  }

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
    // (Every way on from a renewal check passes here: a retry, a new socket, a sign-out, a close.)
    checkingSession.value = false
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
      if (keepAlive.overdue(need().now())) keepAlive.probe()
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
    stopConnectTimeout()
    keepAlive.stop()
    stopConnectTimeout = noop
    const ws = socket
    socket = undefined
    welcomed = false
    proven = false
    sessionCheck.cancel()
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
    status, attempt, maxAttempts, nextAttemptAt, lastError, limited, accountDisabled, checkingSession, waitingForNetwork, heartbeat, isOpen,
    configure, connect, disconnect, signOut, renewSession, send, onFrame, cleanup,
  }
})
