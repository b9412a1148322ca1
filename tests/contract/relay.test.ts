import { describe, expect, it } from 'vitest'
import { registerUser, signIn } from '../support/accounts'
import type { TestUser } from '../support/accounts'
import { TEST_HEARTBEAT, httpUrl, setupBuiltServer, wsUrl } from '../support/server'
import { nextPresenceOf, wsConnect } from '../support/wsClient'
import { introduce } from '../support/groupsApi'
import type { WsClient } from '../support/wsClient'

await setupBuiltServer()

/** Connects, and starts the stream at the current head (live events only). */
async function online(user: TestUser): Promise<WsClient> {
  const client = await wsConnect(wsUrl(), { cookie: user.cookie })
  const { head } = await client.next('welcome')
  client.send({ type: 'resume', cursor: head })
  await client.next('synced')
  return client
}

async function pair() {
  const [alice, bob] = await Promise.all([registerUser(httpUrl('/')), registerUser(httpUrl('/'))])
  return { alice, bob }
}

/** Two people who share a conversation (a group): presence goes only to such people. */
async function acquainted() {
  const people = await pair()
  await introduce(httpUrl('/'), [people.alice, people.bob])
  return people
}

describe('relay', () => {
  it('relays a message to every tab of the recipient and the sender\'s other tabs, and acks the sender', async () => {
    const { alice, bob } = await pair()
    const [aliceTab1, aliceTab2, bobTab1, bobTab2] = await Promise.all([online(alice), online(alice), online(bob), online(bob)])
    aliceTab1.send({ type: 'send', cid: 'c-1', to: bob.id, text: 'hello bob', from: bob.id })

    const ack = await aliceTab1.next('ack')
    // The sending tab's ack sits at the message's place in its stream, instead of a copy.
    expect(ack).toMatchObject({ cid: 'c-1', id: expect.any(String), seq: 1, ts: expect.any(Number), pos: 1 })
    for (const tab of [bobTab1, bobTab2]) {
      const message = await tab.next('message')
      // The server stamps id, seq, sender and time; the forged `from` was ignored; no cid for others.
      expect(message).toEqual({ type: 'message', pos: 1, id: ack.id, seq: 1, from: alice.id, to: bob.id, text: 'hello bob', ts: ack.ts })
    }
    // The sender's other devices get it too, with the cid, in the sender's own stream; the sending
    // tab got the ack in its place, one frame instead of two.
    expect(await aliceTab2.next('message')).toMatchObject({ pos: 1, id: ack.id, from: alice.id, cid: 'c-1' })
    aliceTab1.send({ type: 'ping' })
    await aliceTab1.next('pong')
    await expect(aliceTab1.next('message', 200)).rejects.toThrow(/no message/)
    for (const c of [aliceTab1, aliceTab2, bobTab1, bobTab2]) c.close()
  })

  it('relays both ways and keeps the order of one sender\'s messages', async () => {
    const { alice, bob } = await pair()
    const [a, b] = await Promise.all([online(alice), online(bob)])
    for (let i = 0; i < 50; i++) a.send({ type: 'send', cid: `a${i}`, to: bob.id, text: `a${i}` })
    b.send({ type: 'send', cid: 'b0', to: alice.id, text: 'hi alice' })
    const received: string[] = []
    while (received.length < 50) {
      const frame = await b.next('message')
      if (frame.from === alice.id) received.push(frame.text as string) // b's own copy of its message is skipped
    }
    expect(received).toEqual(Array.from({ length: 50 }, (_, i) => `a${i}`))
    let fromBob = await a.next('message')
    while (fromBob.from !== bob.id) fromBob = await a.next('message') // skip the copies of a's own
    expect(fromBob).toMatchObject({ text: 'hi alice' })
    a.close()
    b.close()
  })

  it('answers a message to an unknown user with an error naming the cid', async () => {
    const { alice } = await pair()
    const a = await online(alice)
    a.send({ type: 'send', cid: 'c-x', to: 987654, text: 'anyone?' })
    expect(await a.next('error')).toMatchObject({ code: 'unknown_user', cid: 'c-x' })
    a.close()
  })

  it('refuses a message to oneself', async () => {
    const { alice } = await pair()
    const a = await online(alice)
    a.send({ type: 'send', cid: 'me', to: alice.id, text: 'note to self' })
    expect(await a.next('error')).toMatchObject({ code: 'self_message', cid: 'me' })
    a.close()
  })
})

describe('presence', () => {
  it('keeps the welcome the same size however many people are online (who is online comes over HTTP)', async () => {
    const { alice, bob } = await pair()
    const a = await online(alice)
    const b = await wsConnect(wsUrl(), { cookie: bob.cookie })
    const welcome = await b.next('welcome')
    expect(Object.keys(welcome).sort()).toEqual(['head', 'heartbeat', 'instance', 'type', 'user'])
    a.close()
    b.close()
  })

  it('tells nobody who shares no conversation with the user that they came online', async () => {
    const { alice, bob } = await pair()
    const a = await online(alice)
    const b = await online(bob)
    await expect(a.next('presence', 500)).rejects.toThrow(/no presence/)
    a.close()
    b.close()
  })

  it('announces a user once when the first tab opens and once when the last one closes', async () => {
    const { alice, bob } = await acquainted()
    const a = await online(alice)
    const bobTab1 = await online(bob)
    expect(await a.next('presence')).toEqual({ type: 'presence', online: [{ id: bob.id, username: bob.username }], offline: [] })
    const bobTab2 = await online(bob)
    bobTab1.close()
    await bobTab1.closed
    bobTab2.close()
    const left = await a.next('presence')
    expect(left).toEqual({ type: 'presence', online: [], offline: [{ id: bob.id, username: bob.username }] })
    a.close()
  })

  it('says in the conversation list whether the other person is online, and lists no one else', async () => {
    const { alice, bob } = await pair()
    const stranger = await registerUser(httpUrl('/'))
    const a = await online(alice)
    a.send({ type: 'send', cid: 'first', to: bob.id, text: 'hi' })
    await a.next('ack')
    const res = await fetch(httpUrl('/api/conversations'), { headers: { cookie: bob.cookie } })
    const { conversations } = await res.json() as { conversations: Array<{ peer: number, peerName: string, peerOnline: boolean }> }
    expect(conversations.map(c => [c.peer, c.peerName, c.peerOnline])).toEqual([[alice.id, alice.username, true]])
    expect(conversations.some(c => c.peer === stranger.id)).toBe(false)
    expect((await fetch(httpUrl('/api/users'), { headers: { cookie: bob.cookie } })).status).toBe(404)
    a.close()
  })
})

describe('frames and liveness', () => {
  it('answers a ping with a pong', async () => {
    const { alice } = await pair()
    const a = await online(alice)
    a.send({ type: 'ping' })
    expect(await a.next()).toEqual({ type: 'pong' })
    a.close()
  })

  it('answers malformed frames with errors that name the problem, and stays open', async () => {
    const { alice } = await pair()
    const a = await online(alice)
    a.send('not json')
    expect(await a.next()).toMatchObject({ type: 'error', code: 'bad_json' })
    a.send({ type: 'teleport' })
    expect(await a.next()).toMatchObject({ type: 'error', code: 'bad_frame', message: expect.stringMatching(/teleport/) })
    a.send({ type: 'send', cid: 'c', to: 'bob', text: 'x' })
    expect(await a.next()).toMatchObject({ type: 'error', code: 'bad_frame', cid: 'c', message: expect.stringMatching(/send\.to/) })
    a.send([1, 2, 3])
    expect(await a.next()).toMatchObject({ type: 'error', code: 'bad_frame' })
    a.send({ type: 'ping' })
    expect(await a.next()).toEqual({ type: 'pong' })
    a.close()
  })

  it('closes a connection that stays silent past the heartbeat limit', async () => {
    const { alice, bob } = await acquainted()
    const watcher = await online(bob)
    const stopPinging = watcher.keepAlive()
    const silent = await online(alice)
    const started = Date.now()
    const { code } = await silent.closed
    const limit = 2 * TEST_HEARTBEAT.intervalMs + TEST_HEARTBEAT.timeoutMs
    expect(code).toBe(4008)
    expect(Date.now() - started).toBeGreaterThanOrEqual(limit - 50)
    expect(Date.now() - started).toBeLessThan(limit + 2000)
    // Its user went offline for everyone else; the watcher, which pinged, is still connected.
    expect(await nextPresenceOf(watcher, alice.id, false)).toBeTruthy()
    expect(watcher.ws.readyState).toBe(watcher.ws.OPEN)
    stopPinging()
    watcher.close()
  })

  it('keeps a connection that pings on time', async () => {
    const { alice } = await pair()
    const a = await online(alice)
    for (let i = 0; i < 6; i++) {
      a.send({ type: 'ping' })
      await a.next('pong')
      await new Promise(r => setTimeout(r, TEST_HEARTBEAT.intervalMs))
    }
    expect(a.ws.readyState).toBe(a.ws.OPEN)
    a.close()
  })
})

describe('sign-out', () => {
  it('closes the session\'s sockets with 4001 after an error frame, and refuses the cookie afterwards', async () => {
    const { alice, bob } = await acquainted()
    const watcher = await online(bob)
    const tab1 = await online(alice)
    const tab2 = await online(alice)
    const res = await fetch(httpUrl('/api/auth/logout'), { method: 'POST', headers: { cookie: alice.cookie } })
    expect(await res.json()).toMatchObject({ closedSockets: 2 })
    for (const tab of [tab1, tab2]) {
      expect(await tab.next('error')).toMatchObject({ code: 'session_ended' })
      expect((await tab.closed).code).toBe(4001)
    }
    expect(await nextPresenceOf(watcher, alice.id, false)).toBeTruthy()
    await expect(wsConnect(wsUrl(), { cookie: alice.cookie })).rejects.toMatchObject({ status: 401 })
    watcher.close()
  })

  it('leaves the user\'s other sessions connected, unless signing out everywhere', async () => {
    const alice = await registerUser(httpUrl('/'))
    const phoneCookie = (await signIn(httpUrl('/'), alice.username)).cookie!
    const laptop = await online(alice)
    const phone = await wsConnect(wsUrl(), { cookie: phoneCookie })
    await phone.next('welcome')
    await fetch(httpUrl('/api/auth/logout'), { method: 'POST', headers: { cookie: alice.cookie } })
    expect((await laptop.closed).code).toBe(4001)
    phone.send({ type: 'ping' })
    expect(await phone.next('pong')).toEqual({ type: 'pong' })
    await fetch(httpUrl('/api/auth/logout'), { method: 'POST', headers: { 'cookie': phoneCookie, 'content-type': 'application/json' }, body: '{"everywhere":true}' })
    expect((await phone.closed).code).toBe(4001)
  })

  it('closes the user\'s sockets everywhere on a password change, and only the new password works', async () => {
    const alice = await registerUser(httpUrl('/'))
    const phoneCookie = (await signIn(httpUrl('/'), alice.username)).cookie!
    const laptop = await online(alice)
    const phone = await wsConnect(wsUrl(), { cookie: phoneCookie })
    await phone.next('welcome')
    const change = (body: object) => fetch(httpUrl('/api/auth/password'), {
      method: 'POST',
      headers: { 'cookie': alice.cookie, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    expect((await change({ currentPassword: 'not-it-at-all', newPassword: 'new-password-456' })).status).toBe(401)
    expect((await change({ currentPassword: 'password123', newPassword: 'short' })).status).toBe(400)
    const res = await change({ currentPassword: 'password123', newPassword: 'new-password-456' })
    expect(res.status).toBe(200)
    for (const socket of [laptop, phone]) expect((await socket.closed).code).toBe(4001)
    expect((await fetch(httpUrl('/api/auth/session'), { headers: { cookie: phoneCookie } })).status).toBe(401)
    const fresh = res.headers.getSetCookie().map(c => c.split(';')[0]!).find(c => !c.endsWith('='))!
    expect((await fetch(httpUrl('/api/auth/session'), { headers: { cookie: fresh } })).status).toBe(200)
    expect((await signIn(httpUrl('/'), alice.username, 'password123')).status).toBe(401)
    expect((await signIn(httpUrl('/'), alice.username, 'new-password-456')).status).toBe(200)
  })
})
