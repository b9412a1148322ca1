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

/** Shows `conv` on this socket; the pong (answered in frame order) says its instance has it. */
async function view(ws: WsClient, conv: number | string | null): Promise<void> {
  ws.send({ type: 'view', conv })
  ws.send({ type: 'ping' })
  await ws.next('pong')
}

describe('typing on two instances', () => {
  it('reaches a viewer on the other instance, in a direct conversation and in a group, and nobody there who does not view it', async () => {
    const people = await Promise.all(Array.from({ length: 3 }, () => registerUser(cluster.proxy.url)))
    const [ann, ben, cat] = people as [TestUser, TestUser, TestUser]
    const group = await groupsApi(cluster.proxy.url).create(ann, [ben, cat])
    const [a, b, bElsewhere, c] = await Promise.all([on(0, ann), on(1, ben), on(1, ben), on(1, cat)])
    await Promise.all([view(b, ann.id), view(bElsewhere, group.conv), view(c, group.conv)])

    a.send({ type: 'typing', conv: ben.id })
    expect(await b.next('typing', 5000)).toEqual({ type: 'typing', conv: ann.id, from: ann.id, username: ann.username })
    a.send({ type: 'typing', conv: group.conv })
    for (const ws of [bElsewhere, c]) {
      expect(await ws.next('typing', 5000)).toEqual({ type: 'typing', conv: group.conv, from: ann.id, username: ann.username })
    }
    // Each got what it views, and only that.
    await expect(b.next('typing', 500)).rejects.toThrow(/no typing/)
    await expect(bElsewhere.next('typing', 300)).rejects.toThrow(/no typing/)
    for (const ws of [a, b, bElsewhere, c]) ws.close()
  })
})
