import { WebSocketServer } from 'ws'
import type { IncomingMessage } from 'node:http'
import type { WebSocket } from 'ws'

/** Symbol under which the raw socket records whether the frame being handled was binary. */
const BINARY_FLAG = Symbol('jizhan.lastFrameBinary')

/**
 * The `ws` server crossws uses, with our limits, since Nitro 2 exposes no option for them:
 * - `maxPayload`: ws refuses a larger frame from its header (close 1009) before buffering it,
 *   instead of the 100 MiB default;
 * - upgraded sockets are kept out of Nitro's shutdown sweep: Nitro's graceful shutdown
 *   (http-graceful-shutdown) destroys every connection it thinks idle the moment it starts, and an
 *   upgraded socket looks idle to it. Marked busy (`_isIdle = false`, an internal of that library in
 *   pinned nitropack 2.13; tests/contract/restart.test.ts fails if sockets see anything but 1012),
 *   it stays until our drain closes it;
 * - binary frames are marked, so the route can refuse them (crossws 0.3 hands text and binary to
 *   the hooks alike). Our `message` listener is attached before crossws's, so the mark is set by
 *   the time the hook runs.
 */
export function createWebSocketServer(maxPayload: number): WebSocketServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload })
  wss.on('connection', (ws: WebSocket, request: IncomingMessage) => {
    (request.socket as unknown as { _isIdle?: boolean })._isIdle = false
    ws.on('message', (_data, isBinary) => {
      (ws as unknown as Record<symbol, boolean>)[BINARY_FLAG] = isBinary
    })
  })
  return wss
}

/** Whether the frame being handled on this raw socket was a binary frame. */
export function isBinaryFrame(ws: unknown): boolean {
  return (ws as Record<symbol, boolean | undefined>)[BINARY_FLAG] === true
}
