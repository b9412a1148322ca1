import type { IncomingMessage } from 'node:http'
import { defineNitroPlugin } from 'nitropack/runtime'

/**
 * The dev worker's side of the guard (registered in dev only). Node takes its HTTP server's 'error'
 * listener off a socket it hands over for an upgrade, and crossws awaits the route's `upgrade` hook
 * before ws adds one: when the proxy has dropped the connection meanwhile (the browser died during
 * the handshake), the refusal crossws then writes fails with EPIPE and is thrown as an uncaught
 * exception. Listening from the start of the upgrade keeps that an ordinary closed socket.
 * crossws 0.3.5 hands hooks the Node request as `request._req`.
 */
export default defineNitroPlugin((nitroApp) => {
  const options = nitroApp.h3App.options.websocket ?? {}
  const upgrade = options.hooks?.upgrade
  nitroApp.h3App.options.websocket = {
    ...options,
    hooks: {
      ...options.hooks,
      upgrade(request) {
        (request as { _req?: IncomingMessage })._req?.socket?.on('error', () => {})
        return upgrade?.(request)
      },
    },
  }
})
