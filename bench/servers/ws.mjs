import { WebSocketServer } from 'ws'

/**
 * Baseline: the smallest relay on raw `ws`. A client connects to `/?id=N`; each text frame
 * `{to, text, ts}` goes to connection `to` as `{type:'message', from, text, ts}` and is answered
 * with `{type:'ack'}`. No auth, no validation, nothing stored: the floor under every other server.
 */
const byId = new Map()
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.env.PORT || 0) })

wss.on('connection', (ws, req) => {
  const id = Number(new URL(req.url, 'http://x').searchParams.get('id'))
  byId.set(id, ws)
  ws.send(JSON.stringify({ type: 'welcome', id }))
  ws.on('message', (data) => {
    const m = JSON.parse(data)
    byId.get(m.to)?.send(JSON.stringify({ type: 'message', from: id, text: m.text, ts: m.ts }))
    ws.send('{"type":"ack"}')
  })
  ws.on('close', () => {
    if (byId.get(id) === ws) byId.delete(id)
  })
})
wss.on('listening', () => console.log(`listening ${wss.address().port}`))
