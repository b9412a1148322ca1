import { useSettings } from '../infra/settings'
import { createWebSocketServer } from '../socket/wsServer'

/** Gives crossws our own `ws` server with our limits (socket/wsServer.ts says which and why). */
export default defineNitroPlugin((nitroApp) => {
  const wss = createWebSocketServer(useSettings().wsMaxFrameBytes)
  nitroApp.h3App.options.websocket = { ...nitroApp.h3App.options.websocket, wss } as typeof nitroApp.h3App.options.websocket
})
