import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'

/** The `upgrade(req, socket, head)` that Nitro's dev server hands to `nuxi dev`. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => unknown

/** Codes that only say the other end of the connection went away: ordinary traffic, not a fault. */
const DISCONNECT_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE'])

export function isDisconnect(error: unknown): boolean {
  const code = (error as { code?: unknown } | null | undefined)?.code
  return typeof code === 'string' && DISCONNECT_CODES.has(code)
}

/**
 * Wraps an upgrade handler so that nothing a client socket does can escape as an unhandled
 * rejection or an uncaught 'error' event: a failed or broken upgrade closes that socket, and only
 * errors that are not a disconnect reach `report`.
 */
export function guardUpgrade(upgrade: UpgradeHandler, report: (error: unknown) => void): UpgradeHandler {
  return (req, socket, head) => {
    const fail = (error: unknown) => {
      if (!isDisconnect(error)) report(error)
      socket.destroy()
    }
    // Node removes the HTTP server's 'error' listener from a socket it hands over for an upgrade,
    // and Nitro waits for a ready worker (up to seconds during a rebuild) before the proxy adds
    // its own: an error in between would be thrown. After that, errors arrive through the promise.
    socket.on('error', () => {})
    try {
      Promise.resolve(upgrade(req, socket, head)).catch(fail)
    }
    catch (error) {
      fail(error)
    }
  }
}
