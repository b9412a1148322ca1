import { createServer } from 'node:http'
import { Server } from 'socket.io'

/**
 * Baseline: the same relay on Socket.IO 4.8, WebSocket transport only (no polling upgrade dance).
 * `auth.id` names the connection; `emit('send', {to, text, ts}, ack)` relays to `to` as a
 * `message` event and calls the sender's acknowledgement callback. Rooms: `auth.room` joins the
 * socket to that room; `emit('publish', {room, text})` is `io.to(room).emit('message', …)`, which
 * includes the sender: its own copy is its acknowledgement (one frame to the sender, as the other
 * servers' ack).
 */
const byId = new Map()
// Anything that is not Socket.IO's own path gets a 404 (the runner's readiness probe).
const http = createServer((req, res) => res.writeHead(404).end())
const io = new Server(http, { transports: ['websocket'], serveClient: false })

io.on('connection', (socket) => {
  const id = Number(socket.handshake.auth.id)
  const room = socket.handshake.auth.room
  byId.set(id, socket)
  if (room !== undefined) socket.join(room)
  socket.emit('welcome', { id })
  socket.on('send', (m, ack) => {
    byId.get(m.to)?.emit('message', { from: id, text: m.text, ts: m.ts })
    if (typeof ack === 'function') ack()
  })
  socket.on('publish', (m) => {
    io.to(m.room).emit('message', { room: m.room, from: id, text: m.text })
  })
  socket.on('disconnect', () => {
    if (byId.get(id) === socket) byId.delete(id)
  })
})
http.listen(Number(process.env.PORT || 0), '127.0.0.1', () => console.log(`listening ${http.address().port}`))
