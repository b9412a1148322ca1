import { useChatStore } from '~/stores/chat'
import { useConnectionStore } from '~/stores/connection'
import { useTypingStore } from '~/stores/typing'
import { browserChatEnv } from '~/utils/chat/browserChatEnv'
import { browserTypingEnv } from '~/utils/chat/browserTypingEnv'
import { browserConnectionEnv } from '~/utils/connection/browserConnectionEnv'

/** Wires the connection, chat and typing stores to the real browser, with settings from runtime config. */
export default defineNuxtPlugin(() => {
  const config = useRuntimeConfig().public
  useConnectionStore().configure(browserConnectionEnv(), {
    reconnectBaseMs: config.reconnectBaseMs,
    reconnectCapMs: config.reconnectCapMs,
    reconnectMaxAttempts: config.reconnectMaxAttempts,
    connectTimeoutMs: config.connectTimeoutMs,
  })
  const chat = useChatStore()
  chat.configure(browserChatEnv())
  // The last moments a page is sure to get (a reload, a closed tab, an app sent to the background).
  window.addEventListener('pagehide', () => chat.leaving())
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') chat.leaving()
  })
  // The server is told which conversation is open (while the page is visible): only then do its typing notices come.
  useTypingStore().configure(browserTypingEnv(), () => chat.selectedGroupId ?? chat.selectedId)
})
