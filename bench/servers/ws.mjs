import { WebSocketServer } from 'ws'

/**
 * Baseline: the smallest relay on raw `ws`. A client connects to `/?id=N` (and `&room=R` to be a
 * member of room R); each text frame `{to, text, ts}` goes to connection `to` as
 * `{type:'message', from, text, ts}` and is answered with `{type:'ack'}`; a frame `{room, text}`
 * goes to every other member of the room as `{type:'message', room, from, text}` (serialized once)
 * and is answered the same way. No auth, validation, membership check or storage: the floor under
 * every other server.
 */
const byId = new Map()
/** room → its members' sockets (the server keeps the sets and sends to each). */
const rooms = new Map()
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.env.PORT || 0) })

wss.on('connection', (ws, req) => {
  const query = new URL(req.url, 'http://x').searchParams
  const id = Number(query.get('id'))
  const room = query.get('room')
  byId.set(id, ws)
  if (room !== null) {
    if (!rooms.has(room)) rooms.set(room, new Set())
    rooms.get(room).add(ws)
  }
  ws.send(JSON.stringify({ type: 'welcome', id }))
  ws.on('message', (data) => {
    const m = JSON.parse(data)
    if (m.room !== undefined) {
      const frame = Buffer.from(JSON.stringify({ type: 'message', room: m.room, from: id, text: m.text }))
      for (const member of rooms.get(m.room) ?? []) if (member !== ws) member.send(frame, { binary: false })
    }
    else {
      byId.get(m.to)?.send(JSON.stringify({ type: 'message', from: id, text: m.text, ts: m.ts }))
    }
    ws.send('{"type":"ack"}')
  })
  ws.on('close', () => {
    if (byId.get(id) === ws) byId.delete(id)
    if (room !== null) rooms.get(room)?.delete(ws)
  })
})
wss.on('listening', () => console.log(`listening ${wss.address().port}`))
