import { randomUUID } from 'node:crypto'
import WebSocket from 'ws'
import { io } from 'socket.io-client'

/**
 * One bench connection to any of the servers, behind one interface, so every scenario drives
 * them identically:
 *   const c = await openClient(client, baseUrl, identity, { onMessage(text), onAck(key), onError(frame) })
 *   c.send(to, text); c.publish(key); c.close()
 * `send` is a direct message (the relay); `publish(key)` sends the text `key` to every other member
 * of the identity's `room` (the fan-out), and the sender's `onAck(key)` names the message it answers.
 * `openClient` resolves at the server's first frame (`welcome`: the connection is authenticated
 * and registered); `welcomeAt` is then (Date.now()). `client.ready` resolves when it can relay: at
 * once for the baselines; for Jizhan after `resume` at the head is answered with `synced` — the
 * state of an idle signed-in tab.
 * `client` is the protocol (servers.mjs SERVERS[kind].client): `ws`, `socketio`, `bare-nitro`,
 * or `jizhan` for every Jizhan kind. Identity: `{ id }` for the baselines, `{ id, cookie }` (a
 * signed-in user) for Jizhan; with `room` (a room name; for Jizhan a group id it is a member of)
 * for the fan-out.
 */
export function openClient(client, baseUrl, identity, handlers = {}) {
  if (client === 'socketio') return openSocketIo(baseUrl, identity, handlers)
  if (client === 'jizhan') return openJizhan(baseUrl, identity, handlers)
  const query = `?id=${identity.id}${identity.room === undefined ? '' : `&room=${encodeURIComponent(identity.room)}`}`
  return openPlainWs(client === 'ws' ? `${wsBase(baseUrl)}/${query}` : `${wsBase(baseUrl)}/_ws${query}`, identity, handlers)
}

const wsBase = url => url.replace(/^http/, 'ws')

function failOnClose(ws, reject) {
  ws.on('error', reject)
  ws.on('close', code => reject(new Error(`closed ${code} before ready`)))
}

function openPlainWs(url, { room }, { onMessage = () => {}, onAck = () => {} }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    failOnClose(ws, reject)
    // These servers answer every frame with a bare ack, in order: the keys published, oldest first.
    const published = []
    const client = {
      welcomeAt: 0,
      ready: Promise.resolve(),
      send: (to, text) => ws.send(JSON.stringify({ to, text, ts: Date.now() })),
      publish: (key) => {
        published.push(key)
        ws.send(JSON.stringify({ room, text: key }))
      },
      close: () => ws.terminate(),
    }
    ws.on('message', (data) => {
      const frame = JSON.parse(data)
      if (frame.type === 'ack') return onAck(published.shift())
      if (frame.type === 'message') return onMessage(frame.text)
      if (frame.type === 'welcome') {
        client.welcomeAt = Date.now()
        resolve(client)
      }
    })
  })
}

function openSocketIo(baseUrl, { id, room }, { onMessage = () => {}, onAck = () => {} }) {
  return new Promise((resolve, reject) => {
    const socket = io(baseUrl, { transports: ['websocket'], auth: { id, room }, reconnection: false, forceNew: true, timeout: 60_000 })
    socket.on('connect_error', reject)
    const client = {
      welcomeAt: 0,
      ready: Promise.resolve(),
      send: (to, text) => socket.emit('send', { to, text, ts: Date.now() }, onAck),
      publish: key => socket.emit('publish', { room, text: key }),
      close: () => socket.disconnect(),
    }
    // `io.to(room).emit` includes the sender: its own copy is its acknowledgement.
    socket.on('message', m => (m.from === id ? onAck(m.text) : onMessage(m.text)))
    socket.on('welcome', () => {
      client.welcomeAt = Date.now()
      resolve(client)
    })
  })
}

function openJizhan(baseUrl, { id, cookie, room }, { onMessage = () => {}, onAck = () => {}, onError = () => {} }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase(baseUrl)}/_ws`, ['jizhan.v1'], { headers: { cookie, origin: baseUrl } })
    failOnClose(ws, reject)
    // cids must be unique per sender for the whole run (rounds reuse users and the database).
    const prefix = randomUUID().slice(0, 13)
    let n = 0
    const keyOf = cid => (typeof cid === 'string' && cid.startsWith(`${prefix}/`) ? cid.slice(prefix.length + 1) : undefined)
    let synced
    const client = {
      welcomeAt: 0,
      ready: new Promise(resolve => (synced = resolve)),
      send: (to, text) => ws.send(JSON.stringify({ type: 'send', to, cid: `${prefix}${++n}`, text })),
      // docs/protocol.md §11; the cid carries the key back in the ack (or error).
      publish: key => ws.send(JSON.stringify({ type: 'groupSend', cid: `${prefix}/${key}`, conv: room, text: key })),
      // The app heartbeat: without it the server's sweep drops a silent socket after 60 s.
      ping: () => ws.send('{"type":"ping"}'),
      close: () => ws.terminate(),
    }
    ws.on('message', (data) => {
      const frame = JSON.parse(data)
      switch (frame.type) {
        // The sending socket gets the `ack` in place of its own copy of the message.
        case 'ack': return onAck(keyOf(frame.cid))
        // The sender's other devices get its message (with its `cid`) for multi-device sync: not
        // a delivery. Only messages from someone else count.
        case 'message': return frame.from !== id && onMessage(frame.text)
        // A group's line: a message, or a system line (membership, rename: `system` set, no text),
        // which is not a delivery. A copy of one's own message is passed on: the scenario counts
        // it as unexpected (the sender's only socket gets the ack instead).
        case 'groupMessage': return frame.system === undefined && onMessage(frame.text)
        case 'error': return onError({ ...frame, key: keyOf(frame.cid) })
        case 'welcome':
          client.welcomeAt = Date.now()
          ws.send(JSON.stringify({ type: 'resume', cursor: frame.head }))
          return resolve(client)
        case 'synced': return synced()
      }
    })
  })
}
