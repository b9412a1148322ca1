import { defineNuxtModule, useLogger } from 'nuxt/kit'
import { guardUpgrade } from './guard'
import type { UpgradeHandler } from './guard'

/**
 * Dev only: keeps `nuxi dev` running when a browser holding a WebSocket goes away abruptly (tab or
 * browser killed, connection reset).
 *
 * Workaround for nitrojs/nitro#4493 (see also nuxt/nuxt#23832), in nitropack 2.13.6: the dev
 * server's `upgrade` (`DevServer.handleUpgrade`) returns the promise of httpxy's `proxy.ws()`, which
 * rejects when the client socket errors (ECONNRESET, EPIPE) at any time in its life, and `nuxi dev`
 * drops that promise. nuxi treats an unhandled rejection as fatal and restarts Nuxt, closing every
 * socket. Here the promise is caught instead, as the fix proposed upstream (nitrojs/nitro#4494)
 * does inside Nitro; a Nitro plugin covers the same death on the dev worker's side. Remove this
 * module once the installed nitropack catches it itself; tests/dev/devServer.test.ts tells.
 */
export default defineNuxtModule({
  meta: { name: 'jizhan-dev-upgrade-guard' },
  setup(_options, nuxt) {
    if (!nuxt.options.dev) return
    const logger = useLogger('jizhan:dev')
    // `nuxt.server` (Nitro's dev server) exists once Nuxt is ready; nuxi looks up its `upgrade` on
    // every upgrade request, so replacing it here covers every socket.
    nuxt.hook('ready', () => {
      const server = nuxt.server as { upgrade?: UpgradeHandler } | undefined
      if (typeof server?.upgrade !== 'function') return
      server.upgrade = guardUpgrade(server.upgrade, error => logger.warn('WebSocket upgrade proxy failed:', error))
    })
  },
})
