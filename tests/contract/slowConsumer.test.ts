import { describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { httpUrl, setupBuiltServer, wsUrl } from '../support/server'
import { wsConnect } from '../support/wsClient'

// A small outgoing-buffer cap, so a paused reader reaches it with a few MB of backlog.
await setupBuiltServer({ NUXT_WS_MAX_BUFFERED_BYTES: String(256 * 1024) })

describe('slow consumers', () => {
  it('cuts off a client that stops reading once its outgoing buffer passes the cap, and loses nothing', async () => {
    const [alice, bob] = await Promise.all([registerUser(httpUrl('/')), registerUser(httpUrl('/'))])
    const a = await wsConnect(wsUrl(), { cookie: alice.cookie })
    a.keepAlive()
    await a.next('welcome')
    const text = 'y'.repeat(4000)
    const count = 5000 // about 20 MB: more than the kernel's socket buffers on loopback hold
    for (let i = 0; i < count; i++) a.send({ type: 'send', cid: `s${i}`, to: bob.id, text })
    for (let i = 0; i < count; i++) await a.next('ack', 20_000)

    const slow = await wsConnect(wsUrl(), { cookie: bob.cookie })
    slow.keepAlive() // it still pings (writing works while reading is paused): only slowness can cut it
    await slow.next('welcome')
    const before = process.memoryUsage().rss
    // Stop reading: the server keeps writing the replay until its buffer for this socket is full.
    const socket = (slow.ws as unknown as { _socket: { pause(): void, resume(): void } })._socket
    socket.pause()
    slow.send({ type: 'resume', cursor: 0 })
    await new Promise(r => setTimeout(r, 5000))
    // Reading again, the client finds the server cut it off part-way: no `synced`, the socket closed.
    socket.resume()
    const { code } = await Promise.race([slow.closed, new Promise<{ code: number }>(r => setTimeout(() => r({ code: -1 }), 15_000))])
    expect([4009, 1006]).toContain(code) // 1006 when the cut came before the close frame was read
    await expect(slow.next('synced', 100)).rejects.toThrow()
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024)

    // Nothing was lost: a reader that keeps up gets every message.
    const fast = await wsConnect(wsUrl(), { cookie: bob.cookie })
    fast.keepAlive()
    await fast.next('welcome')
    fast.send({ type: 'resume', cursor: 0 })
    let received = 0
    for (;;) {
      const frame = await fast.next(undefined, 20_000)
      if (frame.type === 'synced') break
      if (frame.type === 'message') received++
    }
    expect(received).toBe(count)
    a.close()
    fast.close()
  }, 90_000)
})
