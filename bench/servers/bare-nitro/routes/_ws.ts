import type { Peer } from 'crossws'

/**
 * Baseline: the relay of bench/servers/ws.mjs as a Nitro WebSocket route — `/_ws?id=N`, frames
 * `{to, text, ts}` relayed as `message`, answered with `ack`. No auth, validation or storage.
 */
const byId = new Map<number, Peer>()
const ids = new WeakMap<Peer, number>()

export default defineWebSocketHandler({
  open(peer) {
    const id = Number(new URL(peer.request?.url ?? '', 'http://x').searchParams.get('id'))
    byId.set(id, peer)
    ids.set(peer, id)
    peer.send(JSON.stringify({ type: 'welcome', id }))
  },
  message(peer, message) {
    const m = JSON.parse(message.text()) as { to: number, text: string, ts: number }
    byId.get(m.to)?.send(JSON.stringify({ type: 'message', from: ids.get(peer), text: m.text, ts: m.ts }))
    peer.send('{"type":"ack"}')
  },
  close(peer) {
    const id = ids.get(peer)
    if (id !== undefined && byId.get(id) === peer) byId.delete(id)
  },
})
