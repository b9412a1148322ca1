import { useChatStore } from '~/stores/chat'
import { useConnectionStore } from '~/stores/connection'
import { browserChatEnv } from '~/utils/chat/browserChatEnv'
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
  useChatStore().configure(browserChatEnv())
})
