import { WebSocketServer } from 'ws'
import type { WebSocket } from 'ws'

/**
 * Gives crossws a WebSocket server with our limits, since Nitro 2 exposes no option for them:
 * - `maxPayload`: ws refuses a larger frame from its header (close 1009) before buffering it,
 *   instead of the 100 MiB default;
 * - binary frames are marked, so the route can refuse them (crossws 0.3 hands text and binary to
 *   the hooks alike). Our `message` listener is attached before crossws's, so the mark is set by
 *   the time the hook runs.
 */
export default defineNitroPlugin((nitroApp) => {
  const maxPayload = wsMaxFrameBytes()
  const wss = new WebSocketServer({ noServer: true, maxPayload })
  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (_data, isBinary) => {
      (ws as unknown as Record<symbol, boolean>)[BINARY_FLAG] = isBinary
    })
  })
  nitroApp.h3App.options.websocket = { ...nitroApp.h3App.options.websocket, wss } as typeof nitroApp.h3App.options.websocket
})
