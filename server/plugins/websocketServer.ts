import { WebSocketServer } from 'ws'
import type { IncomingMessage } from 'node:http'
import type { WebSocket } from 'ws'

/**
 * Gives crossws a WebSocket server with our limits, since Nitro 2 exposes no option for them:
 * - `maxPayload`: ws refuses a larger frame from its header (close 1009) before buffering it,
 *   instead of the 100 MiB default;
 * - upgraded sockets are kept out of Nitro's shutdown sweep (below);
 * - binary frames are marked, so the route can refuse them (crossws 0.3 hands text and binary to
 *   the hooks alike). Our `message` listener is attached before crossws's, so the mark is set by
 *   the time the hook runs.
 */
export default defineNitroPlugin((nitroApp) => {
  const maxPayload = wsMaxFrameBytes()
  const wss = new WebSocketServer({ noServer: true, maxPayload })
  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    // Nitro's graceful shutdown destroys every connection it thinks idle the moment it starts, and
    // an upgraded socket looks idle to it (it saw no request on it). Marked busy, the socket stays
    // until our drain closes it with 1012 (shutdown.ts); Nitro waits for that.
    (request.socket as unknown as { _isIdle?: boolean })._isIdle = false
    ws.on('message', (_data, isBinary) => {
      (ws as unknown as Record<symbol, boolean>)[BINARY_FLAG] = isBinary
    })
  })
  nitroApp.h3App.options.websocket = { ...nitroApp.h3App.options.websocket, wss } as typeof nitroApp.h3App.options.websocket
})
