import type { PublicUser } from '#shared/protocol'
import { useChatStore } from '~/stores/chat'
import { useConnectionStore } from '~/stores/connection'

/** The signed-in user and the actions that change it. */
export function useAuth() {
  const user = useState<PublicUser | null>('auth-user', () => null)
  const fetcher = useRequestFetch()

  async function refresh(): Promise<PublicUser | null> {
    try {
      user.value = (await fetcher<{ user: PublicUser }>('/api/auth/session')).user
    }
    catch {
      user.value = null
    }
    return user.value
  }

  /** Signs in or registers; throws an Error whose message is the server's explanation. */
  async function authenticate(mode: 'login' | 'register', username: string, password: string): Promise<void> {
    try {
      const res = await $fetch<{ user: PublicUser }>(`/api/auth/${mode}`, { method: 'POST', body: { username, password } })
      user.value = res.user
    }
    catch (error) {
      const data = (error as { data?: { message?: string, data?: { message?: string } } }).data
      throw new Error(data?.data?.message ?? data?.message ?? 'The server could not be reached. Try again.')
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
    forgetSession()
    try {
      await $fetch('/api/auth/logout', { method: 'POST', body: {} })
    }
    finally {
      await navigateTo('/login')
    }
  }

  return { user, refresh, authenticate, signOut, forgetSession }
}
