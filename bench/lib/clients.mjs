import { randomUUID } from 'node:crypto'
import WebSocket from 'ws'
import { io } from 'socket.io-client'

/**
 * One bench connection to any of the servers, behind one interface, so every scenario drives
 * them identically:
 *   const c = await openClient(client, baseUrl, identity, { onMessage(text), onAck() })
 *   c.send(to, text); c.close()
 * `openClient` resolves at the server's first frame (`welcome`: the connection is authenticated
 * and registered); `welcomeAt` is then (Date.now()). `client.ready` resolves when it can relay: at
 * once for the baselines; for Jizhan after `resume` at the head is answered with `synced` — the
 * state of an idle signed-in tab.
 * `client` is the protocol (servers.mjs SERVERS[kind].client): `ws`, `socketio`, `bare-nitro`,
 * or `jizhan` for every Jizhan kind. Identity: `{ id }` for the baselines, `{ id, cookie }` (a
 * signed-in user) for Jizhan.
 */
export function openClient(client, baseUrl, identity, handlers = {}) {
  if (client === 'socketio') return openSocketIo(baseUrl, identity, handlers)
  if (client === 'jizhan') return openJizhan(baseUrl, identity, handlers)
  return openPlainWs(client === 'ws' ? `${wsBase(baseUrl)}/?id=${identity.id}` : `${wsBase(baseUrl)}/_ws?id=${identity.id}`, handlers)
}

const wsBase = url => url.replace(/^http/, 'ws')

function failOnClose(ws, reject) {
  ws.on('error', reject)
  ws.on('close', code => reject(new Error(`closed ${code} before ready`)))
}

function openPlainWs(url, { onMessage = () => {}, onAck = () => {} }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    failOnClose(ws, reject)
    const client = {
      welcomeAt: 0,
      ready: Promise.resolve(),
      send: (to, text) => ws.send(JSON.stringify({ to, text, ts: Date.now() })),
      close: () => ws.terminate(),
    }
    ws.on('message', (data) => {
      const frame = JSON.parse(data)
      if (frame.type === 'ack') return onAck()
      if (frame.type === 'message') return onMessage(frame.text)
      if (frame.type === 'welcome') {
        client.welcomeAt = Date.now()
        resolve(client)
      }
    })
  })
}

function openSocketIo(baseUrl, { id }, { onMessage = () => {}, onAck = () => {} }) {
  return new Promise((resolve, reject) => {
    const socket = io(baseUrl, { transports: ['websocket'], auth: { id }, reconnection: false, forceNew: true, timeout: 60_000 })
    socket.on('connect_error', reject)
    const client = {
      welcomeAt: 0,
      ready: Promise.resolve(),
      send: (to, text) => socket.emit('send', { to, text, ts: Date.now() }, onAck),
      close: () => socket.disconnect(),
    }
    socket.on('message', m => onMessage(m.text))
    socket.on('welcome', () => {
      client.welcomeAt = Date.now()
      resolve(client)
    })
  })
}

function openJizhan(baseUrl, { id, cookie }, { onMessage = () => {}, onAck = () => {}, onError = () => {} }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase(baseUrl)}/_ws`, ['jizhan.v1'], { headers: { cookie, origin: baseUrl } })
    failOnClose(ws, reject)
    // cids must be unique per sender for the whole run (rounds reuse users and the database).
    const prefix = randomUUID().slice(0, 13)
    let n = 0
    let synced
    const client = {
      welcomeAt: 0,
      ready: new Promise(resolve => (synced = resolve)),
      send: (to, text) => ws.send(JSON.stringify({ type: 'send', to, cid: `${prefix}${++n}`, text })),
      // The app heartbeat: without it the server's sweep drops a silent socket after 60 s.
      ping: () => ws.send('{"type":"ping"}'),
      close: () => ws.terminate(),
    }
    ws.on('message', (data) => {
      const frame = JSON.parse(data)
      switch (frame.type) {
        // The sending socket gets the `ack` in place of its own copy of the message.
        case 'ack': return onAck()
        // The sender's other devices get its message (with its `cid`) for multi-device sync: not
        // a delivery. Only messages from someone else count.
        case 'message': return frame.from !== id && onMessage(frame.text)
        case 'error': return onError(frame)
        case 'welcome':
          client.welcomeAt = Date.now()
          ws.send(JSON.stringify({ type: 'resume', cursor: frame.head }))
          return resolve(client)
        case 'synced': return synced()
      }
    })
  })
}
