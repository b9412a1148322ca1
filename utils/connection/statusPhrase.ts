import type { ConnectionStatus } from './connectionStatus'

/** What the status line shows, as an i18n key and its values. */
export interface Phrase { key: string, params?: Record<string, number> }

export interface StatusView {
  status: ConnectionStatus
  /** Seconds until the next attempt, or null when none is scheduled. */
  secondsLeft: number | null
  attempt: number
  maxAttempts: number
  /** The last socket was closed for sending too fast. */
  limited: boolean
  waitingForNetwork: boolean
  /** After a 4001: asking whether the session was renewed before signing out. */
  checkingSession?: boolean
  /** Signed out because the operator disabled the account (close code 4003). */
  accountDisabled?: boolean
}

/**
 * The status line's words. `ticking` is the visible line with its countdown; without it, what a
 * screen reader is told: the same state without the seconds, so it changes (and is announced) when
 * the state does, not every second.
 */
export function statusPhrase(view: StatusView, ticking: boolean): Phrase {
  switch (view.status) {
    case 'idle': return { key: 'connection.idle' }
    case 'connecting': return { key: 'connection.connecting' }
    case 'open': return { key: 'connection.open' }
    case 'reconnecting': {
      if (view.checkingSession) return { key: 'connection.checkingSession' }
      if (view.secondsLeft === null) return { key: view.waitingForNetwork ? 'connection.waitingForNetwork' : 'connection.reconnecting' }
      const params = { attempt: view.attempt, max: view.maxAttempts }
      if (!ticking) return { key: view.limited ? 'connection.attemptLimited' : 'connection.attempt', params }
      return { key: view.limited ? 'connection.reconnectingInLimited' : 'connection.reconnectingIn', params: { ...params, seconds: view.secondsLeft } }
    }
    case 'offline': return { key: 'connection.offline', params: { max: view.maxAttempts } }
    case 'closed': return { key: 'connection.closed' }
    case 'signed-out': return { key: view.accountDisabled ? 'connection.accountDisabled' : 'connection.signedOut' }
  }
}
