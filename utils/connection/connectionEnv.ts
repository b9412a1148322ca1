import type { SessionVerdict } from './connectionStatus'

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
