import type { Peer } from 'crossws'

/**
 * Baseline: the relay of bench/servers/ws.mjs as a Nitro WebSocket route — `/_ws?id=N`, frames
 * `{to, text, ts}` relayed as `message`, answered with `ack`. Rooms are crossws topics: `&room=R`
 * subscribes the peer to R, and a frame `{room, text}` is `peer.publish(R, …)` (every other
 * subscriber), answered with `ack`. No auth, validation, membership check or storage.
 */
const byId = new Map<number, Peer>()
const ids = new WeakMap<Peer, number>()

export default defineWebSocketHandler({
  open(peer) {
    const query = new URL(peer.request?.url ?? '', 'http://x').searchParams
    const id = Number(query.get('id'))
    const room = query.get('room')
    byId.set(id, peer)
    ids.set(peer, id)
    if (room !== null) peer.subscribe(room)
    peer.send(JSON.stringify({ type: 'welcome', id }))
  },
  message(peer, message) {
    const m = JSON.parse(message.text()) as { to: number, room?: string, text: string, ts: number }
    if (m.room !== undefined) peer.publish(m.room, JSON.stringify({ type: 'message', room: m.room, from: ids.get(peer), text: m.text }))
    else byId.get(m.to)?.send(JSON.stringify({ type: 'message', from: ids.get(peer), text: m.text, ts: m.ts }))
    peer.send('{"type":"ack"}')
  },
  close(peer) {
    const id = ids.get(peer)
    if (id !== undefined && byId.get(id) === peer) byId.delete(id)
  },
})
