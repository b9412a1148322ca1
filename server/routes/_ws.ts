import type { Peer } from 'crossws'
import { handleFrame } from '../chat/handleFrame'
import { countClose } from '../metrics/registry'
import { PeerConnection } from '../socket/connection'
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
    catch (error) {
      console.error('[ws] upgrade failed', error)
      result = new Response('Internal error', { status: 500 })
    }
    // Refuse by throwing a Response: crossws 0.3 and 0.4 both turn it into that HTTP status.
    if (result instanceof Response) throw result
    request.context.accepted = result
  },

  open(peer) {
    try {
      const accepted = peer.context.accepted as AcceptedUpgrade | undefined
      if (!accepted) return peer.close(1011, 'no identity')
      const conn = new PeerConnection(peer, accepted, handleFrame)
      connections.set(peer, conn)
      // Joining is the first job of the connection's queue: frames wait until the welcome is out.
      conn.enqueue(() => join(conn), 'join')
    }
    catch (error) {
      console.error('[ws] open failed', error)
      peer.close(1011, 'internal error')
    }
  },

  message(peer, message) {
    try {
      connections.get(peer)?.receive(message.text(), isBinaryFrame(peer.websocket))
    }
    catch (error) {
      console.error('[ws] message failed', error)
      const conn = connections.get(peer)
      if (conn) disconnect(conn, 1011, 'internal error')
    }
  },

  close(peer, { code }) {
    const conn = connections.get(peer)
    // Closed by the client or the WebSocket layer (a close of ours was counted by disconnect).
    if (!conn?.closed) countClose(code, 'peer')
    if (!conn) {
      const accepted = peer.context.accepted as AcceptedUpgrade | undefined
      if (accepted) pendingSockets.release(accepted.user.id, accepted.reservation)
      return
    }
    connections.delete(peer)
    leave(conn)
  },

  error(peer, error) {
    console.error('[ws] socket error', peer.id, error)
  },
})
