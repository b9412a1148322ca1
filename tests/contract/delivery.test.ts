import { describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import type { TestUser } from '../support/accounts'
import { httpUrl, setupBuiltServer, wsUrl } from '../support/server'
import { wsConnect } from '../support/wsClient'
import type { Frame, WsClient } from '../support/wsClient'

await setupBuiltServer()

/** Connects and resumes from `cursor` (default: the head, i.e. live only); returns the replayed frames. */
async function connect(user: TestUser, cursor?: number): Promise<{ client: WsClient, head: number, replayed: Frame[] }> {
  const client = await wsConnect(wsUrl(), { cookie: user.cookie })
  // Ping like a real client: storing thousands of messages takes longer than the test silence limit.
  client.keepAlive()
  const { head } = await client.next('welcome') as unknown as { head: number }
  client.send({ type: 'resume', cursor: cursor ?? head })
  const replayed: Frame[] = []
  for (;;) {
    const frame = await client.next(undefined, 10_000)
    if (frame.type === 'synced') break
    if (frame.type === 'message' || frame.type === 'receipt') replayed.push(frame)
  }
  return { client, head, replayed }
}

/** Sends n messages and waits for every ack. */
async function sendMany(client: WsClient, to: number, n: number, prefix: string) {
  for (let i = 0; i < n; i++) client.send({ type: 'send', cid: `${prefix}${i}`, to, text: `${prefix} ${i}` })
  for (let i = 0; i < n; i++) await client.next('ack', 10_000)
}

async function pair() {
  const [alice, bob] = await Promise.all([registerUser(httpUrl('/')), registerUser(httpUrl('/'))])
  return { alice, bob }
}

async function history(user: TestUser, peer: number, query = '') {
  const res = await fetch(httpUrl(`/api/conversations/${peer}/messages${query}`), { headers: { cookie: user.cookie } })
  return { status: res.status, body: await res.json() as { messages: Array<{ seq: number, text: string, cid?: string }> } }
}

describe('stored delivery', () => {
  it('delivers 200 messages sent while the recipient was offline, in order, once, on return', async () => {
    const { alice, bob } = await pair()
    const bobFirst = await connect(bob)
    bobFirst.client.close()
    await bobFirst.client.closed
    const a = await connect(alice)
    await sendMany(a.client, bob.id, 200, 'offline')

    const back = await connect(bob, bobFirst.head)
    const texts = back.replayed.filter(f => f.type === 'message').map(f => f.text)
    expect(texts).toEqual(Array.from({ length: 200 }, (_, i) => `offline ${i}`))
    expect(back.replayed.map(f => f.pos)).toEqual(Array.from({ length: 200 }, (_, i) => bobFirst.head + i + 1))
    expect(back.replayed.map(f => f.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1))
    a.client.close()
    back.client.close()
  })

  it('replays thousands of missing events in bounded batches without gap or duplicate', async () => {
    const { alice, bob } = await pair()
    const a = await connect(alice)
    await sendMany(a.client, bob.id, 2500, 'bulk')
    const b = await connect(bob, 0)
    expect(b.replayed).toHaveLength(2500)
    expect(b.replayed.every((f, i) => f.pos === i + 1 && f.seq === i + 1)).toBe(true)
    a.client.close()
    b.client.close()
  }, 60_000)

  it('acknowledges only after storing: the message is in the history the moment the ack arrives', async () => {
    const { alice, bob } = await pair()
    const a = await connect(alice)
    a.client.send({ type: 'send', cid: 'stored-1', to: bob.id, text: 'durable' })
    const ack = await a.client.next('ack')
    const { body } = await history(bob, alice.id)
    expect(body.messages).toEqual([{ id: ack.id, seq: 1, from: alice.id, to: bob.id, text: 'durable', ts: ack.ts }])
    a.client.close()
  })

  it('stores a resend of the same cid once: the same id and seq come back, the recipient gets one', async () => {
    const { alice, bob } = await pair()
    const a = await connect(alice)
    const b = await connect(bob)
    a.client.send({ type: 'send', cid: 'dup', to: bob.id, text: 'only once' })
    const first = await a.client.next('ack')
    a.client.close()
    const again = await connect(alice)
    again.client.send({ type: 'send', cid: 'dup', to: bob.id, text: 'only once' })
    const second = await again.client.next('ack')
    expect(second).toMatchObject({ id: first.id, seq: first.seq })
    again.client.send({ type: 'send', cid: 'next', to: bob.id, text: 'next' })
    await again.client.next('ack')
    expect((await b.client.next('message')).text).toBe('only once')
    expect((await b.client.next('message')).text).toBe('next')
    expect((await history(bob, alice.id)).body.messages.map(m => m.text)).toEqual(['only once', 'next'])
    again.client.close()
    b.client.close()
  })

  it('numbers messages per conversation, whoever sends them', async () => {
    const { alice, bob } = await pair()
    const a = await connect(alice)
    const b = await connect(bob)
    const seqs: number[] = []
    for (let i = 0; i < 3; i++) {
      a.client.send({ type: 'send', cid: `a${i}`, to: bob.id, text: `a${i}` })
      seqs.push((await a.client.next('ack')).seq as number)
      b.client.send({ type: 'send', cid: `b${i}`, to: alice.id, text: `b${i}` })
      seqs.push((await b.client.next('ack')).seq as number)
    }
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6])
    a.client.close()
    b.client.close()
  })

  it('relays delivered and read receipts to both sides, only forward, and keeps them for later devices', async () => {
    const { alice, bob } = await pair()
    const a = await connect(alice)
    const b = await connect(bob)
    await sendMany(a.client, bob.id, 3, 'r')
    b.client.send({ type: 'delivered', peer: alice.id, seq: 3 })
    expect(await a.client.next('receipt')).toMatchObject({ peer: bob.id, peerDelivered: 3, peerRead: 0 })
    expect(await b.client.next('receipt')).toMatchObject({ peer: alice.id, selfRead: 0, unread: 3 })
    b.client.send({ type: 'read', peer: alice.id, seq: 2 })
    expect(await a.client.next('receipt')).toMatchObject({ peerDelivered: 3, peerRead: 2 })
    expect(await b.client.next('receipt')).toMatchObject({ selfRead: 2, unread: 1 })
    b.client.send({ type: 'read', peer: alice.id, seq: 1 }) // backwards: ignored
    b.client.send({ type: 'read', peer: alice.id, seq: 99 }) // beyond the newest: clamped to 3
    expect(await a.client.next('receipt')).toMatchObject({ peerRead: 3 })

    const res = await fetch(httpUrl('/api/conversations'), { headers: { cookie: alice.cookie } })
    const { conversations } = await res.json() as { conversations: unknown[] }
    expect(conversations).toEqual([expect.objectContaining({ peer: bob.id, lastSeq: 3, peerDelivered: 3, peerRead: 3, unread: 0 })])
    a.client.close()
    b.client.close()
  })

  it('gives a later device the receipt state and an exact unread count when it replays the stream', async () => {
    const { alice, bob } = await pair()
    const a = await connect(alice)
    await sendMany(a.client, bob.id, 3, 'u')
    const phone = await connect(bob)
    phone.client.send({ type: 'read', peer: alice.id, seq: 1 })
    await phone.client.next('receipt')
    await sendMany(a.client, bob.id, 2, 'v')
    phone.client.close()
    // A second device replays from the start: messages, the receipt, more messages.
    const laptop = await connect(bob, 0)
    const receipt = laptop.replayed.find(f => f.type === 'receipt')!
    expect(receipt).toMatchObject({ peer: alice.id, selfRead: 1, lastSeq: 5, unread: 4 })
    expect(laptop.replayed.filter(f => f.type === 'message')).toHaveLength(5)
    a.client.close()
    laptop.client.close()
  })

  it('sends events stored during a replay after it, with no gap and no duplicate', async () => {
    const { alice, bob } = await pair()
    const a = await connect(alice)
    await sendMany(a.client, bob.id, 1500, 'before')
    const b = await wsConnect(wsUrl(), { cookie: bob.cookie })
    b.keepAlive()
    await b.next('welcome')
    b.send({ type: 'resume', cursor: 0 })
    // While the replay runs, more messages arrive live.
    for (let i = 0; i < 300; i++) a.client.send({ type: 'send', cid: `during${i}`, to: bob.id, text: `during ${i}` })
    const positions: number[] = []
    while (positions.length < 1800) {
      const frame = await b.next(undefined, 15_000)
      if (frame.type === 'message') positions.push(frame.pos as number)
    }
    expect(positions).toEqual(Array.from({ length: 1800 }, (_, i) => i + 1))
    a.client.close()
    b.close()
  }, 60_000)

  it('refuses a second resume while one is in progress instead of queueing another full replay', { timeout: 60_000 }, async () => {
    const { alice, bob } = await pair()
    const a = await connect(alice)
    // Enough to replay that the second resume surely arrives while the first is running.
    await sendMany(a.client, bob.id, 1000, 'r')
    const b = await wsConnect(wsUrl(), { cookie: bob.cookie })
    b.keepAlive()
    await b.next('welcome')
    b.send({ type: 'resume', cursor: 0 })
    b.send({ type: 'resume', cursor: 0 })
    expect(await b.next('error', 10_000)).toMatchObject({ code: 'bad_frame', message: expect.stringMatching(/already in progress/) })
    await b.next('synced', 10_000)
    expect(await b.next('synced', 500).catch(() => null)).toBeNull()
    a.client.close()
    b.close()
  })

  it('lets no one change another pair\'s receipts: a receipt always concerns the sender\'s own conversation', async () => {
    const { alice, bob } = await pair()
    const carol = await registerUser(httpUrl('/'))
    const a = await connect(alice)
    await sendMany(a.client, bob.id, 2, 'private')
    const c = await connect(carol)
    c.client.send({ type: 'read', peer: alice.id, seq: 2 }) // carol has no conversation with alice
    c.client.send({ type: 'delivered', peer: bob.id, seq: 2 })
    c.client.send({ type: 'ping' })
    await c.client.next('pong')
    const res = await fetch(httpUrl('/api/conversations'), { headers: { cookie: alice.cookie } })
    const { conversations } = await res.json() as { conversations: unknown[] }
    expect(conversations).toEqual([expect.objectContaining({ peer: bob.id, peerDelivered: 0, peerRead: 0 })])
    a.client.close()
    c.client.close()
  })

  it('pages history newest first, oldest first within a page, and only for one\'s own conversations', async () => {
    const { alice, bob } = await pair()
    const carol = await registerUser(httpUrl('/'))
    const a = await connect(alice)
    await sendMany(a.client, bob.id, 7, 'h')
    expect((await history(bob, alice.id, '?limit=3')).body.messages.map(m => m.seq)).toEqual([5, 6, 7])
    expect((await history(bob, alice.id, '?limit=3&before=5')).body.messages.map(m => m.seq)).toEqual([2, 3, 4])
    expect((await history(bob, alice.id, '?before=2')).body.messages.map(m => m.seq)).toEqual([1])
    // Carol asking for "alice" sees her own (empty) conversation with alice, never alice and bob's.
    expect((await history(carol, alice.id)).body.messages).toEqual([])
    expect((await history(bob, alice.id, '?limit=1000')).status).toBe(400)
    expect((await history(bob, alice.id, '?before=x')).status).toBe(400)
    // The cid goes back only to its sender.
    expect((await history(alice, bob.id, '?limit=1')).body.messages[0]!.cid).toBe('h6')
    expect((await history(bob, alice.id, '?limit=1')).body.messages[0]!.cid).toBeUndefined()
    a.client.close()
  })
})
