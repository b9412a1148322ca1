import { useConnectionStore } from '~/stores/connection'

/** Wires the connection store to the real browser, with the reconnect settings from runtime config. */
export default defineNuxtPlugin(() => {
  const config = useRuntimeConfig().public
  useConnectionStore().configure(browserConnectionEnv(), {
    reconnectBaseMs: config.reconnectBaseMs,
    reconnectCapMs: config.reconnectCapMs,
    reconnectMaxAttempts: config.reconnectMaxAttempts,
    connectTimeoutMs: config.connectTimeoutMs,
  })
})
