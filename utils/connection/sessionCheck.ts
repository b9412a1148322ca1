import { afterRenewalCheck, afterSessionCheck } from './connectionStatus'
import type { SessionVerdict } from './connectionStatus'

export type { SessionVerdict }

/** How long after a 4001 a renewed session may still be on its way into the cookie. */
export const RENEWAL_GRACE_MS = 1000

/** What the session check needs from the connection store: its environment, state and next steps. */
export interface SessionCheckDeps {
  checkSession: (userId?: number) => Promise<SessionVerdict>
  setTimeout: (fn: () => void, ms: number) => unknown
  /** Who the server last welcomed on this page: a renewed session must be theirs. */
  welcomedUser: () => number | undefined
  /** The connection still waits for the answer (it is reconnecting); otherwise the answer is moot. */
  waiting: () => boolean
  retry: () => void
  signOut: () => void
  signOutDisabled: () => void
  /** The session holds (or nobody could say): what follows the drop is decided again, as checked. */
  sessionChecked: () => void
}

/**
 * The connection store's questions over HTTP after a lost socket (afterDrop's `check-session` and
 * `check-renewal`): whether the session still holds, and whether a 4001 was followed by a renewed
 * session of the same user. Only the newest check's answer counts: opening or closing a socket
 * (`cancel()`) makes a pending one stale. The decisions are pure (utils/connection/connectionStatus.ts).
 */
export function createSessionCheck(deps: SessionCheckDeps) {
  let checks = 0

  /**
   * After a 4001 on a welcomed socket: only a session of the same user in the cookie goes on;
   * anything else (signed out here or everywhere, expired, someone else signed in, no answer) signs
   * this page out. Asked twice: the 4001 can arrive before the other tab's answer has put the new
   * cookie in the jar.
   */
  function renewal() {
    const checkedFor = ++checks
    const ask = (again: boolean) => deps.checkSession(deps.welcomedUser()).then((verdict) => {
      if (checkedFor !== checks || !deps.waiting()) return
      const next = afterRenewalCheck(verdict, deps.welcomedUser() !== undefined, again)
      if (next === 'retry') return deps.retry()
      if (next === 'account-disabled') return deps.signOutDisabled()
      if (next === 'ask-again') return void deps.setTimeout(() => void ask(false), RENEWAL_GRACE_MS)
      deps.signOut()
    }, () => deps.signOut())
    void ask(true)
  }

  /** After a socket that never got its welcome: the upgrade may have been refused for the session. */
  function session() {
    const checkedFor = ++checks
    deps.checkSession().then((verdict) => {
      if (checkedFor !== checks || !deps.waiting()) return
      const next = afterSessionCheck(verdict)
      if (next === 'sign-out') return deps.signOut()
      // A refused upgrade of a disabled account: the same end as its 4003.
      if (next === 'account-disabled') return deps.signOutDisabled()
      deps.sessionChecked()
    }, () => {})
  }

  /** Makes a pending check stale: its answer is ignored. */
  function cancel() {
    checks++
  }

  return { renewal, session, cancel }
}
