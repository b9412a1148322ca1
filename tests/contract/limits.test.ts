import { describe, expect, it } from 'vitest'
import { registerUser, uniqueName } from '../support/accounts'
import type { TestUser } from '../support/accounts'
import { httpUrl, setupBuiltServer, wsUrl } from '../support/server'
import { wsConnect } from '../support/wsClient'

// Small limits, so they are reached quickly (the other contract files lift them).
await setupBuiltServer({
  NUXT_WS_FRAMES_BURST: '20',
  NUXT_WS_FRAMES_PER_SECOND: '10',
  NUXT_MESSAGES_BURST: '5',
  NUXT_MESSAGES_PER_SECOND: '2',
  NUXT_WS_MAX_CONNECTIONS_PER_USER: '3',
  NUXT_UPGRADES_BURST: '1000',
  NUXT_LOGIN_ATTEMPTS_PER_USERNAME_PER_MINUTE: '5',
})

async function online(user?: TestUser) {
  user ??= await registerUser(httpUrl('/'))
  const client = await wsConnect(wsUrl(), { cookie: user.cookie })
  await client.next('welcome')
  return client
}

/** Waits for a bucket to refill. */
const pause = (ms: number) => new Promise(r => setTimeout(r, ms))

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

  it('closes with 1008 after more than 10 invalid frames in a row, after answering the 10 it was owed', async () => {
    await pause(2000)
    const client = await online()
    for (let i = 0; i < 11; i++) client.send('garbage')
    expect((await client.closed).code).toBe(1008)
    const errors = []
    for (let i = 0; i < 10; i++) errors.push(await client.next('error', 100))
    expect(errors.map(e => e.code)).toEqual(Array(10).fill('bad_json'))
  })

  it('forgives invalid frames followed by a valid one', async () => {
    const client = await online()
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 8; i++) client.send('garbage')
      client.send({ type: 'ping' })
      await client.next('pong')
      await pause(1000)
    }
    expect(client.ws.readyState).toBe(client.ws.OPEN)
    client.close()
  })
})

describe('rate limits', () => {
  it('answers frames over the connection\'s budget with rate_limited, without processing them, and stays open', async () => {
    const client = await online()
    for (let i = 0; i < 30; i++) client.send({ type: 'ping' })
    const answers: string[] = []
    for (let i = 0; i < 30; i++) answers.push((await client.next()).type as string)
    expect(answers.filter(t => t === 'pong').length).toBeGreaterThanOrEqual(20)
    expect(answers.filter(t => t === 'error').length).toBeGreaterThanOrEqual(5)
    await pause(1000)
    client.send({ type: 'ping' })
    expect(await client.next()).toEqual({ type: 'pong' })
    client.close()
  })

  it('closes a client that keeps flooding after being told, with 4029', async () => {
    const client = await online()
    for (let i = 0; i < 200; i++) client.send({ type: 'ping' })
    expect((await client.closed).code).toBe(4029)
  })

  it('limits messages per user across connections, naming the refused message\'s cid', async () => {
    const [alice, bob] = await Promise.all([registerUser(httpUrl('/')), registerUser(httpUrl('/'))])
    const tab1 = await online(alice)
    const tab2 = await online(alice)
    for (let i = 0; i < 4; i++) tab1.send({ type: 'send', cid: `t1-${i}`, to: bob.id, text: 'hi' })
    for (let i = 0; i < 4; i++) tab2.send({ type: 'send', cid: `t2-${i}`, to: bob.id, text: 'hi' })
    // (The tabs did not resume, so they get only acks and errors, no message events.)
    const answers = []
    for (const tab of [tab1, tab2]) {
      for (let i = 0; i < 4; i++) answers.push(await tab.next())
    }
    const limited = answers.filter(f => f.type === 'error')
    // A burst of 5 (plus at most one refilled): 8 sent from the two tabs, at least 2 refused.
    expect(answers.filter(f => f.type === 'ack').length).toBeLessThanOrEqual(6)
    expect(limited.length).toBeGreaterThanOrEqual(2)
    expect(limited[0]).toMatchObject({ code: 'rate_limited', cid: expect.stringMatching(/^t/) })
    tab1.close()
    tab2.close()
  })

  it('keeps simultaneous upgrades of one user under the connection cap', async () => {
    const user = await registerUser(httpUrl('/'))
    const attempts = await Promise.allSettled(Array.from({ length: 10 }, () => wsConnect(wsUrl(), { cookie: user.cookie })))
    const open = attempts.filter(a => a.status === 'fulfilled').map(a => (a as PromiseFulfilledResult<Awaited<ReturnType<typeof wsConnect>>>).value)
    const refused = attempts.filter(a => a.status === 'rejected').map(a => (a as PromiseRejectedResult).reason as { status?: number })
    expect(open).toHaveLength(3)
    expect(refused.map(r => r.status)).toEqual(Array(7).fill(429))
    for (const c of open) c.close()
    await Promise.all(open.map(c => c.closed))
  })

  it('refuses a user\'s upgrade beyond the connection cap with 429', async () => {
    const user = await registerUser(httpUrl('/'))
    const tabs = [await online(user), await online(user), await online(user)]
    await expect(wsConnect(wsUrl(), { cookie: user.cookie })).rejects.toMatchObject({ status: 429 })
    for (const t of tabs) t.close()
  })

  it('throttles sign-in attempts per username with 429 and Retry-After, before checking the password', async () => {
    const user = await registerUser(httpUrl('/'), uniqueName('victim'))
    const attempt = () => fetch(httpUrl('/api/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password: 'wrong-password' }),
    })
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await attempt()).status)
    // Registration took one attempt of the five.
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429])
    const limited = await attempt()
    expect(limited.headers.get('retry-after')).toBe('60')
  })
})
