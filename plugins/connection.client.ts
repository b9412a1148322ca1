import type { ChatMessage, ConversationSummary } from '#shared/protocol'
import { useChatStore } from '~/stores/chat'
import { useConnectionStore } from '~/stores/connection'
import type { Contact } from '~/stores/contacts'
import { browserConnectionEnv } from '~/utils/connection/browserConnectionEnv'

/** Wires the connection and chat stores to the real browser, with settings from runtime config. */
export default defineNuxtPlugin(() => {
  const config = useRuntimeConfig().public
  useConnectionStore().configure(browserConnectionEnv(), {
    reconnectBaseMs: config.reconnectBaseMs,
    reconnectCapMs: config.reconnectCapMs,
    reconnectMaxAttempts: config.reconnectMaxAttempts,
    connectTimeoutMs: config.connectTimeoutMs,
  })
  useChatStore().configure({
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
  })
})
