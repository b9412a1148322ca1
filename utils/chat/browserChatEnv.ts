import type { ChatMessage, ConversationSummary } from '#shared/protocol'
import type { ChatEnv } from '../../stores/chat'
import type { Contact } from '../../stores/contacts'

/** The real browser behind the chat stores: the HTTP API, localStorage, visibility, ids and timers. */
export function browserChatEnv(): ChatEnv {
  return {
    api: {
      users: async () => (await $fetch<{ users: Contact[] }>('/api/users')).users,
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
