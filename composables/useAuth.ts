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

  async function signOut(): Promise<void> {
    useConnectionStore().signOut()
    useChatStore().forgetCache()
    // The offline shell holds pages rendered for this user: forget them.
    navigator.serviceWorker?.controller?.postMessage({ type: 'forget' })
    try {
      await $fetch('/api/auth/logout', { method: 'POST', body: {} })
    }
    finally {
      user.value = null
      useChatStore().reset()
      await navigateTo('/login')
    }
  }

  return { user, refresh, authenticate, signOut }
}
