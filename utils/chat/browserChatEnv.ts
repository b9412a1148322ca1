import type { ChatMessage, ConversationSummary } from '#shared/protocol'
import type { ChatEnv } from '../../stores/chat'
import type { Contact } from '../../stores/contacts'

/** One page of GET /api/users. */
interface UsersPage { users: Contact[], next: string | null }

/** The real browser behind the chat stores: the HTTP API, localStorage, visibility, ids and timers. */
export function browserChatEnv(): ChatEnv {
  return {
    api: {
      async users() {
        // Page by page, as the server hands them out (bounded: 100 pages of 1,000).
        const users: Contact[] = []
        let after: string | null = null
        for (let page = 0; page < 100; page++) {
          const res: UsersPage = await $fetch<UsersPage>('/api/users' as string, { query: after === null ? {} : { after } })
          users.push(...res.users)
          if (res.next === null) break
          after = res.next
        }
        return users
      },
      conversations: async () => (await $fetch<{ conversations: ConversationSummary[] }>('/api/conversations')).conversations,
      history: async (peer, before, limit) => (await $fetch<{ messages: ChatMessage[] }>(`/api/conversations/${peer}/messages`, {
        query: before === null ? { limit } : { before, limit },
      })).messages,
    },
    storage: window.localStorage,
    isVisible: () => document.visibilityState === 'visible',
    newCid: () => crypto.randomUUID(),
    setTimeout: (fn, ms) => window.setTimeout(fn, ms),
    clearTimeout: id => window.clearTimeout(id as number),
    now: () => Date.now(),
  }
}
