import type { ConnectionEnv, SocketLike } from './connectionEnv'

/** The real browser behind the connection store: WebSocket, timers, network and visibility events. */
export function browserConnectionEnv(): ConnectionEnv {
  return {
    url: () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/_ws`,
    // The DOM types of the event handlers are narrower than SocketLike's; the runtime shape is the same.
    createSocket: (url, protocols) => new WebSocket(url, protocols) as unknown as SocketLike,
    setTimeout: (fn, ms) => window.setTimeout(fn, ms),
    clearTimeout: id => window.clearTimeout(id as number),
    now: () => Date.now(),
    random: () => Math.random(),
    isOnline: () => navigator.onLine !== false,
    async checkSession(userId) {
      try {
        const res = await fetch('/api/auth/session', { credentials: 'same-origin', cache: 'no-store' })
        if (res.ok) return userId === undefined || (await res.json() as { user?: { id?: number } }).user?.id === userId ? 'valid' : 'invalid'
        if (res.status !== 401) return 'unknown'
        const body = await res.json().catch(() => null) as { data?: { code?: string } } | null
        return body?.data?.code === 'account_disabled' ? 'disabled' : 'invalid'
      }
      catch {
        return 'unknown'
      }
    },
    onBrowserEvent(type, fn) {
      if (type === 'visible') {
        const listener = () => document.visibilityState === 'visible' && fn()
        document.addEventListener('visibilitychange', listener)
        window.addEventListener('pageshow', listener)
        return () => {
          document.removeEventListener('visibilitychange', listener)
          window.removeEventListener('pageshow', listener)
        }
      }
      window.addEventListener(type, fn)
      return () => window.removeEventListener(type, fn)
    },
  }
}
