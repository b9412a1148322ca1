import { useConnectionStore } from '~/stores/connection'

/** Wires the connection store to the real browser, with the reconnect settings from runtime config. */
export default defineNuxtPlugin(() => {
  const config = useRuntimeConfig().public
  useConnectionStore().configure(browserConnectionEnv(), {
    reconnectBaseMs: Number(config.reconnectBaseMs),
    reconnectCapMs: Number(config.reconnectCapMs),
    reconnectMaxAttempts: Number(config.reconnectMaxAttempts),
    connectTimeoutMs: Number(config.connectTimeoutMs),
  })
})
