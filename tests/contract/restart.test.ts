import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { UNLIMITED } from '../support/server'
import { ServerProcess, freePort } from '../support/serverProcess'
import { wsConnect } from '../support/wsClient'

// Restarts are done here, on a child process this file controls and waits for, on the same port.
const server = new ServerProcess(await freePort(), UNLIMITED)
const dataDir = server.dataDir
afterAll(() => server.dispose())

describe('a server restart', () => {
  it('keeps the session secret, sessions, messages, their order and receipts', async () => {
    await server.start()
    const secret = readFileSync(join(dataDir, 'session-secret'), 'utf8')
    const [alice, bob] = await Promise.all([registerUser(server.url), registerUser(server.url)])
    const ws = server.url.replace(/^http/, 'ws') + '/_ws'
    const a = await wsConnect(ws, { cookie: alice.cookie })
    const { head } = await a.next('welcome')
    a.send({ type: 'resume', cursor: head })
    await a.next('synced')
    for (let i = 0; i < 5; i++) a.send({ type: 'send', cid: `p${i}`, to: bob.id, text: `persist ${i}` })
    for (let i = 0; i < 5; i++) await a.next('ack')
    const b1 = await wsConnect(ws, { cookie: bob.cookie })
    await b1.next('welcome')
    b1.send({ type: 'read', peer: alice.id, seq: 3 })
    await new Promise(r => setTimeout(r, 200))

    const stoppingAt = Date.now()
    await server.kill('SIGTERM')
    // Closed, not cut: 1012 (Service Restart). Alone, there is no window to wait for.
    expect(await a.closed).toMatchObject({ code: 1012 })
    expect(Date.now() - stoppingAt).toBeLessThan(2_000)
    await server.start()

    expect(readFileSync(join(dataDir, 'session-secret'), 'utf8')).toBe(secret)
    expect((await fetch(`${server.url}/api/auth/session`, { headers: { cookie: bob.cookie } })).status).toBe(200)
    const b2 = await wsConnect(ws, { cookie: bob.cookie })
    await b2.next('welcome')
    b2.send({ type: 'resume', cursor: 0 })
    const texts: unknown[] = []
    let receipt
    for (;;) {
      const frame = await b2.next()
      if (frame.type === 'synced') break
      if (frame.type === 'message') texts.push(frame.text)
      if (frame.type === 'receipt') receipt = frame
    }
    expect(texts).toEqual(Array.from({ length: 5 }, (_, i) => `persist ${i}`))
    expect(receipt).toMatchObject({ selfRead: 3, unread: 2, lastSeq: 5 })
    b2.close()
  }, 60_000)
})
