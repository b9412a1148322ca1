import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef, watch } from 'vue'
import type { ServerFrame } from '#shared/protocol'
import { emptyBoard, expireTyping, namesIn, nextExpiry, noteTyping, stopTyping } from '../utils/chat/typingBoard'
import type { Conv, TypingBoard } from '../utils/chat/typingBoard'
import { composerSignal, idleThrottle } from '../utils/chat/typingThrottle'
import { useConnectionStore } from './connection'

/** What the typing store needs from the outside world: timers and the page's visibility. */
export interface TypingEnv {
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (id: unknown) => void
  now: () => number
  isVisible: () => boolean
  /** Subscribes to the page becoming visible or hidden; returns the undo. */
  onVisibilityChange: (fn: () => void) => () => void
}

/**
 * Typing indicators, both ways. Reading: the server is told which conversation this page shows
 * (`view`: the open one while the page is visible, none when hidden; again after every
 * reconnect), so only then do typing notices come; each shows until it expires, its typist's
 * message arrives or they stop. Writing: the composer reports its text (`composerChanged`), and a
 * throttle decides when a `typing` or a `stop` goes out. The rules are pure (utils/chat/typingBoard.ts,
 * typingThrottle.ts); this store holds the board, its one timer and the socket's view.
 */
export const useTypingStore = defineStore('typing', () => {
  const connection = useConnectionStore()
  const board = shallowRef<TypingBoard>(emptyBoard)
  const visible = ref(true)
  /** Which conversation the page has open (set by configure: the chat store's selection). */
  const openConversation = shallowRef<() => Conv | null>(() => null)
  let env: TypingEnv | undefined
  let throttle = idleThrottle
  let expiryTimer: unknown
  let undoVisibility = () => {}

  /** What the server should be told this page shows: nothing while hidden or not connected. */
  const viewing = computed<Conv | null>(() => (connection.status === 'open' && visible.value ? openConversation.value() : null))

  /** Injects timers and visibility, and where the open conversation is read from; call once. */
  function configure(newEnv: TypingEnv, open: () => Conv | null) {
    undoVisibility()
    env = newEnv
    openConversation.value = open
    visible.value = newEnv.isVisible()
    undoVisibility = newEnv.onVisibilityChange(() => (visible.value = newEnv.isVisible()))
  }

  /** The names of who is typing in `conv` now, in the order they started (reactive). */
  function typingIn(conv: Conv): string[] {
    return namesIn(board.value, conv)
  }

  /**
   * The composer of `conv` holds `text` now (call on every change, and with '' once it was sent or
   * cleared). Sends `typing` at most every few seconds while it changes, and `stop` at the end.
   */
  function composerChanged(conv: Conv, text: string) {
    if (!env) return
    const { signal, next } = composerSignal(throttle, conv, text, env.now())
    if (signal === null) {
      throttle = next
      return
    }
    const sent = connection.send(signal === 'stop' ? { type: 'typing', conv, stop: true } : { type: 'typing', conv })
    // A typing that could not go out is tried again at the next change; a stop has nothing left to stop.
    if (sent || signal === 'stop') throttle = next
  }

  function setBoard(next: TypingBoard) {
    if (next === board.value) return
    board.value = next
    if (!env) return
    env.clearTimeout(expiryTimer)
    expiryTimer = undefined
    const at = nextExpiry(next)
    if (at === null) return
    const e = env
    expiryTimer = e.setTimeout(() => {
      expiryTimer = undefined
      setBoard(expireTyping(board.value, e.now()))
    }, Math.max(0, at - e.now()))
  }

  function onFrame(frame: ServerFrame) {
    if (!env) return
    if (frame.type === 'typing') {
      return setBoard(frame.stop
        ? stopTyping(board.value, frame.conv, frame.from)
        : noteTyping(board.value, frame.conv, { id: frame.from, name: frame.username }, env.now()))
    }
    // Their message is there: they are done typing it.
    if (frame.type === 'message') return setBoard(stopTyping(board.value, frame.from, frame.from))
    if (frame.type === 'groupMessage') return setBoard(stopTyping(board.value, frame.conv, frame.from))
  }
  onScopeDispose(connection.onFrame(onFrame))

  // The server keeps one view per socket, starting at none: told on every change, and after a
  // reconnect (the status comes back to open). Notices of what is no longer shown are dropped.
  watch(viewing, (conv) => {
    setBoard(emptyBoard)
    if (conv !== null) connection.send({ type: 'view', conv })
    else if (connection.status === 'open') connection.send({ type: 'view', conv: null })
  }, { flush: 'sync' })

  watch(() => connection.status, (status) => {
    if (status !== 'open') throttle = idleThrottle
  }, { flush: 'sync' })

  onScopeDispose(() => {
    undoVisibility()
    env?.clearTimeout(expiryTimer)
  })

  return { viewing, configure, typingIn, composerChanged }
})
