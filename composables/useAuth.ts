import type { PublicUser } from '#shared/protocol'
import { useChatStore } from '~/stores/chat'
import { useConnectionStore } from '~/stores/connection'

/** A body key the account endpoints name as at fault (docs/protocol.md, "Error bodies"). */
export type AuthField = 'username' | 'password' | 'currentPassword' | 'newPassword'
const AUTH_FIELDS: readonly string[] = ['username', 'password', 'currentPassword', 'newPassword'] satisfies AuthField[]

/** Why an account request failed: the server's code (worded by the page) and its field. */
export interface AuthProblem { code: string, params?: Record<string, unknown>, field?: AuthField }

/**
 * What the sign-in page says first: that one signed out (here or everywhere), that the session
 * ended elsewhere, or that the operator disabled the account.
 */
export type AuthNotice = 'signedOut' | 'signedOutEverywhere' | 'sessionEnded' | 'accountDisabled'

/** The signed-in user and the actions that change it. */
export function useAuth() {
  const user = useState<PublicUser | null>('auth-user', () => null)
  const notice = useState<AuthNotice | null>('auth-notice', () => null)
  /**
   * A deliberate sign-out is on its way to the server. Meanwhile nobody asks who is signed in: the
   * answer could come before the sign-out's and sign the page back in (forgetting the data changes
   * the route, and the route guard asks).
   */
  const signingOut = useState<boolean>('auth-signing-out', () => false)
  const fetcher = useRequestFetch()

  async function refresh(): Promise<PublicUser | null> {
    if (signingOut.value) return null
    try {
      user.value = (await fetcher<{ user: PublicUser }>('/api/auth/session')).user
    }
    catch {
      user.value = null
    }
    return user.value
  }

  /** Signs in or registers; throws an AuthProblem. */
  async function authenticate(mode: 'login' | 'register', username: string, password: string): Promise<void> {
    try {
      const res = await $fetch<{ user: PublicUser }>(`/api/auth/${mode}`, { method: 'POST', body: { username, password } })
      user.value = res.user
    }
    catch (error) {
      throw authProblem(error)
    }
  }

  /**
   * The one cleanup for every way a session ends: signing out here, elsewhere ("sign out
   * everywhere", another account signing in in this browser) or by expiry. Closes the connection
   * for good, forgets the user's data in the stores and in storage (the outbox of unsent messages
   * stays, see the chat store's `forget`), and has the offline shell drop the pages rendered for
   * this user. Safe to run twice.
   */
  function forgetSession(): void {
    useConnectionStore().signOut()
    useChatStore().forget()
    navigator.serviceWorker?.controller?.postMessage({ type: 'forget' })
    user.value = null
  }

  /** Signs out deliberately: forgets this browser's data first, then ends the session on the server. */
  async function signOut(): Promise<void> {
    signingOut.value = true
    forgetSession()
    notice.value = 'signedOut'
    try {
      await $fetch('/api/auth/logout', { method: 'POST', body: {} })
    }
    finally {
      await navigateTo('/login')
      signingOut.value = false
    }
  }

  /**
   * Ends every session of this user, on every device: the server first (if that fails, nothing
   * was ended and the caller says so; throws an AuthProblem), then this browser's data.
   */
  async function signOutEverywhere(): Promise<void> {
    try {
      await $fetch('/api/auth/logout', { method: 'POST', body: { everywhere: true }, headers: { accept: 'application/json' } })
    }
    catch (error) {
      throw authProblem(error)
    }
    forgetSession()
    notice.value = 'signedOutEverywhere'
    await navigateTo('/login')
  }

  /**
   * Changes the password; throws an AuthProblem. The server ends every session of the user (their
   * sockets close with 4001) and gives this browser a fresh one: this page's connection is closed
   * first and opened again with the new cookie, so it stays signed in.
   */
  async function changePassword(currentPassword: string, newPassword: string): Promise<void> {
    try {
      await useConnectionStore().renewSession(async () => {
        await $fetch<unknown>('/api/auth/password', {
          method: 'POST', body: { currentPassword, newPassword }, headers: { accept: 'application/json' },
        })
      })
    }
    catch (error) {
      throw authProblem(error)
    }
  }

  return { user, notice, refresh, authenticate, signOut, signOutEverywhere, changePassword, forgetSession }
}

/** The server's answer as a problem: its code, values and field, or `unreachable` without an answer. */
function authProblem(error: unknown): AuthProblem {
  const e = error as { statusCode?: number, data?: { data?: { code?: unknown, field?: unknown, params?: unknown } } }
  const data = e.data?.data
  if (typeof data?.code !== 'string') return { code: e.statusCode ? 'unknown' : 'unreachable' }
  const field = typeof data.field === 'string' && AUTH_FIELDS.includes(data.field) ? data.field as AuthField : undefined
  const params = data.params && typeof data.params === 'object' ? data.params as Record<string, unknown> : undefined
  return { code: data.code, params, field }
}
