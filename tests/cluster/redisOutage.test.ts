import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { CuttableLink, startCluster } from '../support/cluster'
import type { TestCluster } from '../support/cluster'
import { freePort } from '../support/serverProcess'
import { connectSynced, nextPresenceOf } from '../support/wsClient'
import { introduce } from '../support/groupsApi'
import type { Frame } from '../support/wsClient'

const LEASE_MS = 1500
let cluster: TestCluster
let link: CuttableLink
beforeAll(async () => {
  link = new CuttableLink(await freePort())
  await link.restore()
  // Instance B reaches Redis only through the link the test cuts.
  cluster = await startCluster({ NUXT_REDIS_LEASE_MS: String(LEASE_MS) }, [{}, { NUXT_REDIS_URL: link.url }])
})
afterAll(async () => {
  await cluster?.stop()
  await link?.cut()
})

const ready = async (url: string) => {
  const res = await fetch(`${url}/api/health/ready`)
  return { status: res.status, body: await res.json() as { ready: boolean, reason?: string } }
}

/** Polls readiness until it has `status` (10 s at most); returns the last answer. */
async function readyBecomes(url: string, status: number) {
  let state = await ready(url)
  for (let i = 0; i < 100 && state.status !== status; i++) {
    await new Promise(r => setTimeout(r, 100))
    state = await ready(url)
  }
  return state
}

describe('an instance cut off from Redis for a while', () => {
  it('is not ready meanwhile, and when Redis is back its users get what they missed, once and in order', async () => {
    const [a, b] = cluster.instances
    const [ann, ben] = await Promise.all([registerUser(a.url), registerUser(a.url)])
    await introduce(a.url, [ann, ben])
    const { client: annSocket } = await connectSynced(`${a.url.replace(/^http/, 'ws')}/_ws`, ann.cookie)
    const { client: benSocket } = await connectSynced(`${b.url.replace(/^http/, 'ws')}/_ws`, ben.cookie)
    expect(await nextPresenceOf(annSocket, ben.id, true)).toBeTruthy()
    expect((await ready(b.url)).status).toBe(200)

    await link.cut()
    // Not ready while its Redis is unreachable; the other instance is unaffected.
    const state = await readyBecomes(b.url, 503)
    expect(state.body.reason).toMatch(/redis/)
    expect((await ready(a.url)).status).toBe(200)
    // Ben's instance missed its lease: for Ann, Ben is offline now.
    expect(await nextPresenceOf(annSocket, ben.id, false, LEASE_MS * 3)).toBeTruthy()

    // Stored and acknowledged on A; B cannot hear about them yet. And the other way: stored and
    // acknowledged on B, which cannot publish them.
    for (let i = 0; i < 5; i++) annSocket.send({ type: 'send', cid: `o${i}`, to: ben.id, text: `during outage ${i}` })
    for (let i = 0; i < 5; i++) await annSocket.next('ack')
    for (let i = 0; i < 3; i++) benSocket.send({ type: 'send', cid: `r${i}`, to: ann.id, text: `reply during outage ${i}` })
    const benAcks: Frame[] = []
    for (let i = 0; i < 3; i++) benAcks.push(await benSocket.next('ack', 10_000))
    // Nothing of Ben's reached Ann's socket yet.
    await expect(annSocket.next('message', 500)).rejects.toThrow(/no message/)

    await link.restore()
    // Ben's stream: Ann's 5, then his own 3, as acks in their places (B read Ann's 5 from the
    // database as soon as his acks showed the gap, or when Redis was back).
    const got: Frame[] = []
    for (let i = 0; i < 5; i++) got.push(await benSocket.next('message', 10_000))
    expect(got.map(f => f.text)).toEqual(Array.from({ length: 5 }, (_, i) => `during outage ${i}`))
    const positions = [...got, ...benAcks].map(f => f.pos as number)
    expect(positions).toEqual(Array.from({ length: 8 }, (_, i) => positions[0]! + i))
    // Ann gets Ben's replies although B could not publish them when they were stored: B asks
    // everyone to catch up once its own connection is back.
    const replies: Frame[] = []
    for (;;) {
      const f = await annSocket.next('message', 10_000)
      if (f.from === ben.id) replies.push(f)
      if (replies.length === 3) break
    }
    expect(replies.map(f => f.text)).toEqual(Array.from({ length: 3 }, (_, i) => `reply during outage ${i}`))
    // B announced itself again: Ben is back online for Ann, and B is ready.
    expect(await nextPresenceOf(annSocket, ben.id, true, LEASE_MS * 3)).toBeTruthy()
    expect((await readyBecomes(b.url, 200)).status).toBe(200)

    // And live relay works again, without repeating anything.
    annSocket.send({ type: 'send', cid: 'after', to: ben.id, text: 'after outage' })
    expect(await benSocket.next('message')).toMatchObject({ text: 'after outage', pos: positions[7]! + 1 })
    annSocket.close()
    benSocket.close()
  })

  it('whose Redis connections hang half-open finds out by itself, reconnects, and its users get what they missed, once and in order', async () => {
    const [a, b] = cluster.instances
    const [cat, dan] = await Promise.all([registerUser(a.url), registerUser(a.url)])
    await introduce(a.url, [cat, dan])
    const { client: catSocket } = await connectSynced(`${a.url.replace(/^http/, 'ws')}/_ws`, cat.cookie)
    const { client: danSocket } = await connectSynced(`${b.url.replace(/^http/, 'ws')}/_ws`, dan.cookie)
    expect(await nextPresenceOf(catSocket, dan.id, true)).toBeTruthy()

    // B's connections to Redis stay open but carry nothing any more, and nobody says so.
    link.freeze()
    for (let i = 0; i < 3; i++) catSocket.send({ type: 'send', cid: `h${i}`, to: dan.id, text: `while hung ${i}` })
    for (let i = 0; i < 3; i++) await catSocket.next('ack')
    // Nothing is restored by the test: B's unanswered PING and lease tick make it reconnect, and
    // the reconnect catches Dan up from the database. (A forced reconnect waits at most 30 s after
    // an earlier one.)
    const got: Frame[] = []
    for (let i = 0; i < 3; i++) got.push(await danSocket.next('message', 40_000))
    expect(got.map(f => f.text)).toEqual(['while hung 0', 'while hung 1', 'while hung 2'])
    const positions = got.map(f => f.pos as number)
    expect(positions).toEqual([positions[0]!, positions[0]! + 1, positions[0]! + 2])
    expect((await readyBecomes(b.url, 200)).status).toBe(200)

    catSocket.send({ type: 'send', cid: 'after-hang', to: dan.id, text: 'after the hang' })
    expect(await danSocket.next('message', 10_000)).toMatchObject({ text: 'after the hang', pos: positions[2]! + 1 })
    catSocket.close()
    danSocket.close()
  }, 90_000)

  it('tells the other members how far someone read during the outage once Redis is back (group receipts are live only)', async () => {
    const [a, b] = cluster.instances
    const [eve, fay] = await Promise.all([registerUser(a.url), registerUser(a.url)])
    const conv = await introduce(a.url, [eve, fay])
    const { client: eveSocket } = await connectSynced(`${a.url.replace(/^http/, 'ws')}/_ws`, eve.cookie)
    const { client: faySocket } = await connectSynced(`${b.url.replace(/^http/, 'ws')}/_ws`, fay.cookie)
    eveSocket.send({ type: 'groupSend', cid: 'g1', conv, text: 'read me' })
    const line = await faySocket.next('groupMessage', 10_000)

    await link.cut()
    await readyBecomes(b.url, 503)
    // Fay reads it on B, which stores that but cannot tell A.
    faySocket.send({ type: 'groupRead', conv, seq: line.seq })
    await new Promise(r => setTimeout(r, 500))
    await expect(eveSocket.next('groupReceipt', 500)).rejects.toThrow(/no groupReceipt/)

    await link.restore()
    // B asks everyone to catch up; A sends Eve the group's positions again, Fay's read among them.
    for (;;) {
      const receipt = await eveSocket.next('groupReceipt', 15_000)
      const fays = (receipt.receipts as Array<{ user: number, read: number }>).find(r => r.user === fay.id)
      if (receipt.conv === conv && fays && fays.read >= (line.seq as number)) break
    }
    expect((await readyBecomes(b.url, 200)).status).toBe(200)
    eveSocket.close()
    faySocket.close()
  }, 60_000)
})
