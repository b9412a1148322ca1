import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import type { TestUser } from '../support/accounts'
import { startCluster } from '../support/cluster'
import type { TestCluster } from '../support/cluster'
import { groupsApi } from '../support/groupsApi'
import { wsConnect } from '../support/wsClient'
import type { WsClient } from '../support/wsClient'

let cluster: TestCluster
beforeAll(async () => {
  cluster = await startCluster()
})
afterAll(() => cluster?.stop())

/** A resumed socket on one given instance (directly, not through nginx). */
async function on(instance: 0 | 1, user: TestUser): Promise<WsClient> {
  const ws = await wsConnect(`${cluster.instances[instance].url.replace(/^http/, 'ws')}/_ws`, { cookie: user.cookie })
  ws.keepAlive(300)
  const { head } = await ws.next('welcome')
  ws.send({ type: 'resume', cursor: head })
  await ws.next('synced')
  return ws
}

interface Reads { memberReads: number, audienceReads: number }
async function readsOf(instance: 0 | 1): Promise<Reads> {
  return (await (await fetch(`${cluster.instances[instance].url}/api/health/live`)).json() as { relay: Reads }).relay
}

async function texts(ws: WsClient, count: number): Promise<string[]> {
  const got: string[] = []
  while (got.length < count) {
    const line = await ws.next('groupMessage', 10_000)
    if (line.system === undefined) got.push(line.text as string)
  }
  return got
}

describe('groups on two instances', () => {
  it('relay every line to the members on both instances, once and in order, from senders on both', async () => {
    const people = await Promise.all(Array.from({ length: 4 }, () => registerUser(cluster.proxy.url)))
    const [ann, ben, cat, dan] = people as [TestUser, TestUser, TestUser, TestUser]
    const api = groupsApi(cluster.proxy.url)
    const group = await api.create(ann, [ben, cat, dan])
    const [a, b, c, d] = await Promise.all([on(0, ann), on(1, ben), on(0, cat), on(1, dan)])
    // Two writers, one on each instance, interleaving.
    for (let i = 0; i < 30; i++) {
      a.send({ type: 'groupSend', cid: `a${i}`, conv: group.conv, text: `ann ${i}` })
      b.send({ type: 'groupSend', cid: `b${i}`, conv: group.conv, text: `ben ${i}` })
    }
    const acks = { a: [] as number[], b: [] as number[] }
    for (let i = 0; i < 30; i++) acks.a.push((await a.next('ack')).seq as number)
    for (let i = 0; i < 30; i++) acks.b.push((await b.next('ack')).seq as number)
    for (const [ws, others] of [[c, 60], [d, 60]] as const) {
      const seen: Array<{ seq: number, text: string }> = []
      while (seen.length < others) {
        const line = await ws.next('groupMessage', 10_000)
        seen.push({ seq: line.seq as number, text: line.text as string })
      }
      // Gapless and in seq order, each line once.
      expect(seen.map(l => l.seq)).toEqual(Array.from({ length: 60 }, (_, i) => group.lastSeq + i + 1))
      expect(seen.filter(l => l.text.startsWith('ann')).map(l => l.text)).toEqual(Array.from({ length: 30 }, (_, i) => `ann ${i}`))
      expect(seen.filter(l => l.text.startsWith('ben')).map(l => l.text)).toEqual(Array.from({ length: 30 }, (_, i) => `ben ${i}`))
    }
    expect(await texts(b, 30)).toEqual(Array.from({ length: 30 }, (_, i) => `ann ${i}`))
    for (const ws of [a, b, c, d]) ws.close()
  })

  it('cut off a member removed on one instance at once on the other', async () => {
    const people = await Promise.all(Array.from({ length: 3 }, () => registerUser(cluster.proxy.url)))
    const [ann, ben, cat] = people as [TestUser, TestUser, TestUser]
    const api = groupsApi(cluster.instances[0].url)
    const group = await api.create(ann, [ben, cat])
    const [a, b, c] = await Promise.all([on(0, ann), on(1, ben), on(1, cat)])
    // Removed through instance 0; cat's socket is on instance 1.
    expect((await api.remove(ann, group.conv, cat)).status).toBe(200)
    expect(await c.next('membership')).toMatchObject({ change: 'left', group: { conv: group.conv } })
    // Sent through instance 1, where cat's socket is: ben's message does not reach cat.
    b.send({ type: 'groupSend', cid: 'after', conv: group.conv, text: 'cat is gone' })
    await b.next('ack')
    expect(await texts(a, 1)).toEqual(['cat is gone'])
    await expect(c.next('groupMessage', 1000).then(function skipSystem(l): Promise<unknown> {
      return l.system ? c.next('groupMessage', 1000).then(skipSystem) : Promise.resolve(l)
    })).rejects.toThrow(/no groupMessage/)
    const history = await groupsApi(cluster.instances[1].url).history(cat, group.conv)
    expect(history.status).toBe(404)
    for (const ws of [a, b, c]) ws.close()
  })

  it('read a group\'s members once per instance for a membership change, not once per member held there', async () => {
    const MEMBERS = 12
    const people = await Promise.all(Array.from({ length: MEMBERS + 2 }, () => registerUser(cluster.proxy.url)))
    const [owner, newcomer, ...members] = people as [TestUser, TestUser, ...TestUser[]]
    const api = groupsApi(cluster.instances[0].url)
    const group = await api.create(owner, members)
    // Every member on instance 1: the change made on instance 0 reaches it as one copy per member.
    const sockets = await Promise.all(members.map(m => on(1, m)))
    // The members' own arrivals read their contacts: settled before the window.
    await new Promise(resolve => setTimeout(resolve, 500))
    const before = await readsOf(1)
    expect((await api.add(owner, group.conv, [newcomer])).status).toBe(200)
    for (const ws of sockets) expect(await ws.next('groupMessage', 10_000)).toMatchObject({ conv: group.conv, system: { event: 'added' } })
    // The re-watch of the members' contacts that the change starts.
    await new Promise(resolve => setTimeout(resolve, 500))
    const after = await readsOf(1)
    const memberReads = after.memberReads - before.memberReads
    const audienceReads = after.audienceReads - before.audienceReads
    console.log(`one membership change, ${MEMBERS} members on the instance: ${memberReads} member reads, ${audienceReads} contact reads`)
    // One read of the group (was one per member copy: 12), each local member's contacts once.
    expect(memberReads).toBeGreaterThanOrEqual(1)
    expect(memberReads).toBeLessThanOrEqual(2)
    expect(audienceReads).toBeLessThanOrEqual(MEMBERS + 2)
    for (const ws of sockets) ws.close()
  })
})
