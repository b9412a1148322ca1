import { describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { httpUrl, setupBuiltServer, wsUrl } from '../support/server'
import { wsConnect } from '../support/wsClient'

await setupBuiltServer()

async function online() {
  const user = await registerUser(httpUrl('/'))
  const client = await wsConnect(wsUrl(), { cookie: user.cookie })
  await client.next('welcome')
  return client
}

describe('frame limits', () => {
  it('closes with 1009 on a frame over 64 KiB, refused by the WebSocket layer itself', async () => {
    const client = await online()
    client.send(JSON.stringify({ type: 'send', cid: 'big', to: 1, text: 'x'.repeat(70 * 1024) }))
    expect((await client.closed).code).toBe(1009)
  })

  it('takes a frame just under the limit and answers a too-long text with an error, staying open', async () => {
    const client = await online()
    client.send(JSON.stringify({ type: 'send', cid: 'long', to: 1, text: 'x'.repeat(60 * 1024) }))
    expect(await client.next('error')).toMatchObject({ code: 'bad_frame', cid: 'long', message: expect.stringMatching(/longer than 4000/) })
    client.send({ type: 'ping' })
    expect(await client.next('pong')).toEqual({ type: 'pong' })
    client.close()
  })

  it('answers a binary frame with binary_unsupported, even one holding valid JSON', async () => {
    const client = await online()
    client.ws.send(Buffer.from('{"type":"ping"}'), { binary: true })
    expect(await client.next()).toMatchObject({ type: 'error', code: 'binary_unsupported' })
    client.send({ type: 'ping' })
    expect(await client.next()).toEqual({ type: 'pong' })
    client.close()
  })

  it('closes with 1008 after more than 10 invalid frames in a row', async () => {
    const client = await online()
    for (let i = 0; i < 11; i++) client.send('garbage')
    expect((await client.closed).code).toBe(1008)
  })

  it('forgives invalid frames followed by a valid one', async () => {
    const client = await online()
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 10; i++) client.send('garbage')
      client.send({ type: 'ping' })
      await client.next('pong')
    }
    expect(client.ws.readyState).toBe(client.ws.OPEN)
    client.close()
  })
})
