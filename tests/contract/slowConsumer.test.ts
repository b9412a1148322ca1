import { describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { httpUrl, setupBuiltServer, wsUrl } from '../support/server'
import { wsConnect } from '../support/wsClient'

// A small outgoing-buffer cap, so a paused reader reaches it with a few MB of backlog, and a short
// replay stall, so a replay gives up on a reader that takes nothing within the test's time.
await setupBuiltServer({ NUXT_WS_MAX_BUFFERED_BYTES: String(256 * 1024), NUXT_WS_REPLAY_STALL_MS: '2000' })

describe('slow consumers', () => {
  it('cuts off a client that stops reading live messages once its outgoing buffer passes the cap', async () => {
    const [alice, bob] = await Promise.all([registerUser(httpUrl('/')), registerUser(httpUrl('/'))])
    const a = await wsConnect(wsUrl(), { cookie: alice.cookie })
    a.keepAlive()
    const { head } = await a.next('welcome')
    a.send({ type: 'resume', cursor: head })
    await a.next('synced')
    const slow = await wsConnect(wsUrl(), { cookie: bob.cookie })
    slow.keepAlive()
    const welcome = await slow.next('welcome')
    slow.send({ type: 'resume', cursor: welcome.head })
    await slow.next('synced')
    const socket = (slow.ws as unknown as { _socket: { pause(): void, resume(): void } })._socket
    socket.pause()
    const text = 'z'.repeat(4000)
    for (let i = 0; i < 2000; i++) a.send({ type: 'send', cid: `l${i}`, to: bob.id, text })
    for (let i = 0; i < 2000; i++) await a.next('ack', 20_000)
    socket.resume()
    const { code } = await Promise.race([slow.closed, new Promise<{ code: number }>(r => setTimeout(() => r({ code: -1 }), 15_000))])
    expect([4009, 1006]).toContain(code)
    a.close()
  }, 90_000)

  it('paces a replay to a reader that reads slowly, and cuts off one that stops, losing nothing', async () => {
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
    // Stop reading: the replay waits for room, and gives up after the stall (2 s here).
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

    // Nothing was lost: a reader that keeps reading, however slowly (pauses of 200 ms here, far
    // past the cap each time), gets every message.
    const fast = await wsConnect(wsUrl(), { cookie: bob.cookie })
    fast.keepAlive()
    await fast.next('welcome')
    const fastSocket = (fast.ws as unknown as { _socket: { pause(): void, resume(): void } })._socket
    fast.send({ type: 'resume', cursor: 0 })
    let received = 0
    for (;;) {
      const frame = await fast.next(undefined, 20_000)
      if (frame.type === 'synced') break
      if (frame.type === 'message' && ++received % 1000 === 0) {
        fastSocket.pause()
        await new Promise(r => setTimeout(r, 200))
        fastSocket.resume()
      }
    }
    expect(received).toBe(count)
    a.close()
    fast.close()
  }, 90_000)
})
