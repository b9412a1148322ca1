import type { Peer } from 'crossws'
import { handleFrame } from '../chat/handleFrame'
import { log } from '../infra/log'
import { countClose } from '../metrics/registry'
import { PeerConnection } from '../socket/connection'
import { logClosed, logOpened } from '../socket/connectionLog'
import { disconnect, join, leave } from '../socket/membership'
import { pendingSockets } from '../socket/pendingSockets'
import { authenticateUpgrade, guardUpgradeSocket } from '../socket/upgrade'
import type { AcceptedUpgrade } from '../socket/upgrade'
import { isBinaryFrame } from '../socket/wsServer'

/**
 * The base station's socket. Hooks only wire: upgrade authenticates, open registers, message hands
 * the frame to its connection, close unregisters. Every hook is guarded: an exception inside one
 * would otherwise become an unhandled rejection with the socket left open.
 */
const connections = new WeakMap<Peer, PeerConnection>()

export default defineWebSocketHandler({
  async upgrade(request) {
    guardUpgradeSocket(request)
    let result: AcceptedUpgrade | Response
    try {
      result = await authenticateUpgrade(request)
    }
    catch (err) {
      log.error('upgrade failed', { err })
      result = new Response('Internal error', { status: 500 })
    }
    // Refuse by throwing a Response: crossws 0.3 and 0.4 both turn it into that HTTP status.
    if (result instanceof Response) {
      log.debug('upgrade refused', { status: result.status })
      throw result
    }
    request.context.accepted = result
  },

  open(peer) {
    try {
      const accepted = peer.context.accepted as AcceptedUpgrade | undefined
      if (!accepted) {
        closeFromOpen(peer, 'no identity')
        return
      }
      const conn = new PeerConnection(peer, accepted, handleFrame)
      connections.set(peer, conn)
      logOpened(conn)
      // Joining is the first job of the connection's queue: frames wait until the welcome is out.
      conn.enqueue(() => join(conn), 'join')
    }
    catch (err) {
      log.error('open failed', { err })
      closeFromOpen(peer, 'internal error')
    }
  },

  message(peer, message) {
    try {
      connections.get(peer)?.receive(message.text(), isBinaryFrame(peer.websocket))
    }
    catch (err) {
      log.error('message failed', { err })
      const conn = connections.get(peer)
      if (conn) disconnect(conn, 1011, 'internal error')
    }
  },

  close(peer, details) {
    const conn = connections.get(peer)
    // Closed by the client or the WebSocket layer (a close of ours was counted by disconnect).
    if (!conn?.closed && !peer.context.closedFromOpen) countClose(details?.code, 'peer')
    if (!conn) {
      const accepted = peer.context.accepted as AcceptedUpgrade | undefined
      if (accepted) pendingSockets.release(accepted.user.id, accepted.reservation)
      return
    }
    connections.delete(peer)
    leave(conn)
    logClosed(conn, details?.code)
  },

  error(peer, err) {
    log.warn('socket error', { user: connections.get(peer)?.user.id, conn: peer.id, err })
  },
})

/** Closes a socket that `open` could not take on (counted as closed by the server, once). */
function closeFromOpen(peer: Peer, reason: string): void {
  peer.context.closedFromOpen = true
  countClose(1011, 'server')
  peer.close(1011, reason)
}
