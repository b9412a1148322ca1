import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import type { TestUser } from '../support/accounts'
import { startCluster } from '../support/cluster'
import type { TestCluster } from '../support/cluster'
import { connectSynced, nextPresenceOf, presenceFrames, presenceOfUser } from '../support/wsClient'
import { introduce } from '../support/groupsApi'
import type { WsClient } from '../support/wsClient'

let cluster: TestCluster
beforeAll(async () => {
  cluster = await startCluster()
})
afterAll(() => cluster?.stop())

/** A socket through nginx, on the wanted instance (nginx alternates; a wrong landing is closed and retried). */
async function connectOn(user: TestUser, instance: string | null, cursor = 0): Promise<{ client: WsClient, instance: string }> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const { client, welcome } = await connectSynced(`${cluster.proxy.url.replace(/^http/, 'ws')}/_ws`, user.cookie, cursor)
    if (instance === null || welcome.instance === instance) return { client, instance: welcome.instance as string }
    client.close()
    await client.closed
  }
  throw new Error(`could not land on instance ${instance} through the proxy`)
}

const other = (instance: string) => [...cluster.byId.keys()].find(id => id !== instance)!

describe('two instances behind nginx', () => {
  it('serves the app and both instances through one address', async () => {
    const seen = new Set<string>()
    for (let i = 0; i < 4; i++) seen.add((await (await fetch(`${cluster.proxy.url}/api/health/live`)).json() as { instance: string }).instance)
    expect(seen).toEqual(new Set(cluster.byId.keys()))
    expect((await fetch(`${cluster.proxy.url}/api/health/ready`)).status).toBe(200)
    expect((await fetch(`${cluster.proxy.url}/login`)).status).toBe(200)
  })

  it('relays between users on different instances, to every device, with presence and history', async () => {
    const [ann, ben] = await Promise.all([registerUser(cluster.proxy.url), registerUser(cluster.proxy.url)])
    const group = await introduce(cluster.proxy.url, [ann, ben])
    const a = await connectOn(ann, null)
    const b = await connectOn(ben, other(a.instance))
    expect(b.instance).not.toBe(a.instance)
    // Presence crosses instances.
    expect(await nextPresenceOf(a.client, ben.id, true)).toBeTruthy()
    // The members list says the same, whichever instance answers it (both, in turn).
    for (const server of cluster.instances) {
      const res = await fetch(`${server.url}/api/groups/${group}/members`, { headers: { cookie: ann.cookie } })
      const { members } = await res.json() as { members: Array<{ id: number, online: boolean }> }
      expect(members.filter(u => u.id === ann.id || u.id === ben.id).map(u => u.online)).toEqual([true, true])
    }

    // Ann's second device sits on Ben's instance: her own messages reach it too.
    const a2 = await connectOn(ann, b.instance)
    for (let i = 0; i < 20; i++) a.client.send({ type: 'send', cid: `c${i}`, to: ben.id, text: `hello ${i}` })
    const acks = []
    const atBen = []
    const atA2 = []
    for (let i = 0; i < 20; i++) acks.push(await a.client.next('ack'))
    for (let i = 0; i < 20; i++) atBen.push(await b.client.next('message'))
    for (let i = 0; i < 20; i++) atA2.push(await a2.client.next('message'))
    expect(acks.map(f => f.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1))
    expect(atBen.map(f => f.text)).toEqual(Array.from({ length: 20 }, (_, i) => `hello ${i}`))
    expect(atBen.map(f => f.seq)).toEqual(acks.map(f => f.seq))
    expect(atA2.map(f => f.cid)).toEqual(Array.from({ length: 20 }, (_, i) => `c${i}`))

    // Receipts cross back.
    b.client.send({ type: 'read', peer: ann.id, seq: 20 })
    expect(await a.client.next('receipt')).toMatchObject({ peer: ben.id, peerRead: 20 })

    // A reply from the other side, and the history read through the proxy (either instance answers).
    b.client.send({ type: 'send', cid: 'r1', to: ann.id, text: 'hi back' })
    // Ann's first device had its 20 as acks (in its stream, in place of copies), then the reply.
    expect(acks.map(f => f.pos)).toEqual(atA2.map(f => f.pos))
    expect(await a.client.next('message')).toMatchObject({ text: 'hi back', seq: 21 })
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${cluster.proxy.url}/api/conversations/${ben.id}/messages?limit=100`, { headers: { cookie: ann.cookie } })
      const { messages } = await res.json() as { messages: Array<{ seq: number }> }
      expect(messages.map(m => m.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1))
    }
    for (const c of [a, b, a2]) c.client.close()
  })

  it('closes a signed-out session on every instance and tells the others the user left', async () => {
    const [cat, dan] = await Promise.all([registerUser(cluster.proxy.url), registerUser(cluster.proxy.url)])
    await introduce(cluster.proxy.url, [cat, dan])
    const d = await connectOn(dan, null)
    const c1 = await connectOn(cat, d.instance)
    const c2 = await connectOn(cat, other(d.instance))
    await nextPresenceOf(d.client, cat.id, true)
    const res = await fetch(`${cluster.proxy.url}/api/auth/logout`, { method: 'POST', headers: { 'cookie': cat.cookie, 'content-type': 'application/json' }, body: '{}' })
    expect(res.status).toBe(200)
    expect(await c1.client.closed).toMatchObject({ code: 4001 })
    expect(await c2.client.closed).toMatchObject({ code: 4001 })
    expect(await nextPresenceOf(d.client, cat.id, false)).toBeTruthy()
    d.client.close()
  })

  it('keeps a user online while any instance still has one of their sockets', async () => {
    const [eve, fay] = await Promise.all([registerUser(cluster.proxy.url), registerUser(cluster.proxy.url)])
    await introduce(cluster.proxy.url, [eve, fay])
    const f = await connectOn(fay, null)
    const e1 = await connectOn(eve, f.instance)
    const e2 = await connectOn(eve, other(f.instance))
    // (Landing on the wanted instance may take retries, each a short visit: the last word counts.)
    expect((await presenceFrames(f.client)).map(frame => presenceOfUser(frame, eve.id)).filter(v => v !== undefined).at(-1)).toBe(true)
    e1.client.close()
    await e1.client.closed
    // No flicker: while one of Eve's sockets remains, Fay hears nothing.
    await expect(f.client.next('presence', 500)).rejects.toThrow(/no presence/)
    e2.client.close()
    expect(await nextPresenceOf(f.client, eve.id, false)).toBeTruthy()
    await expect(f.client.next('presence', 300)).rejects.toThrow(/no presence/)
    f.client.close()
  })
})
