import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { pairSides, proxiedClient, startCluster } from '../support/cluster'
import type { TestCluster } from '../support/cluster'
import { allDelivered, expectExactlyOnceInOrder, progress, writeAll } from '../support/conversation'
import { waitFor } from '../support/nodeClient'
import { nextPresenceOf, wsConnect } from '../support/wsClient'
import { introduce } from '../support/groupsApi'

const PER_SIDE = 150
const LEASE_MS = 2000
let cluster: TestCluster
beforeAll(async () => {
  cluster = await startCluster({ NUXT_REDIS_LEASE_MS: String(LEASE_MS) })
})
afterAll(() => cluster?.stop())

/** nginx alternates, but HTTP requests share the rotation: move a client until both instances hold one. */
async function spreadOverBoth(clients: Array<ReturnType<typeof proxiedClient>>): Promise<void> {
  const last = clients.at(-1)!
  for (let i = 0; i < 10 && new Set(clients.map(c => c.instance)).size < 2; i++) {
    last.connection.disconnect()
    last.connection.connect()
    const before = last.welcomes.length
    await waitFor(() => last.welcomes.length > before && last.chat.synced, 10_000, () => 'client did not come back')
  }
}

describe('an instance killed in the middle of conversations', () => {
  it('moves its clients to the other instance with every acknowledged message exactly once, in order, and expires its presence', async () => {
    const users = await Promise.all(Array.from({ length: 6 }, () => registerUser(cluster.proxy.url)))
    const [a1, b1, a2, b2, ghost, watcher] = users as [typeof users[0], typeof users[0], typeof users[0], typeof users[0], typeof users[0], typeof users[0]]
    // The watcher shares a group with everyone: it sees their presence.
    const group = await introduce(cluster.proxy.url, [watcher, a1, b1, a2, b2, ghost])
    const clients = [a1, b1, a2, b2].map(u => proxiedClient(cluster, u))
    const [c1, d1, c2, d2] = clients as [typeof clients[0], typeof clients[0], typeof clients[0], typeof clients[0]]
    const sides = [...pairSides(c1, d1, a1, b1, 'p'), ...pairSides(c2, d2, a2, b2, 'q')]
    for (const c of clients) c.connection.connect()
    await waitFor(() => clients.every(c => c.chat.synced), 10_000, () => 'clients did not sync')
    await Promise.all(sides.map(s => s.client.chat.select(s.peer)))
    await spreadOverBoth(clients)

    // The victim is the instance of the first writer; the other holds at least one writer too.
    const victimId = c1.instance!
    const victim = cluster.byId.get(victimId)!
    const survivor = cluster.instances.find(s => s !== victim)!
    const onVictim = clients.filter(c => c.instance === victimId)
    expect(onVictim.length).toBeGreaterThan(0)
    expect(onVictim.length).toBeLessThan(clients.length)
    // A user who is only on the victim and will not come back, and someone on the survivor watching.
    const watch = await wsConnect(`${survivor.url.replace(/^http/, 'ws')}/_ws`, { cookie: watcher.cookie })
    await watch.next('welcome')
    watch.keepAlive(300)
    const ghostSocket = await wsConnect(`${victim.url.replace(/^http/, 'ws')}/_ws`, { cookie: ghost.cookie })
    await ghostSocket.next('welcome')
    // Kept alive, so only the lease (not the victim's own silence sweep) can take it offline.
    ghostSocket.keepAlive(300)
    // The watcher on the other instance sees the ghost come online.
    await nextPresenceOf(watch, ghost.id, true)

    const writers = writeAll(sides, PER_SIDE)
    const acks = () => clients.reduce((n, c) => n + c.acks, 0)
    await waitFor(() => acks() >= 150, 20_000, () => `only ${acks()} acks`)
    const ackedBeforeKill = acks()
    // The clock starts at the signal: the victim stops renewing its lease then, and the exit event
    // that `kill` waits for comes some milliseconds later on a loaded machine.
    const killedAt = Date.now()
    await victim.kill('SIGKILL')

    // Measured side by side: the ghost's entry expires with the victim's lease (renewed every
    // third of it); the moved clients come back through nginx.
    const ghostGone = nextPresenceOf(watch, ghost.id, false, LEASE_MS * 3).then(() => Date.now() - killedAt)
    const allBack = waitFor(() => onVictim.every(c => c.connection.status === 'open' && c.instance !== victimId && c.chat.synced), 20_000,
      () => onVictim.map(c => `${c.connection.status}@${c.instance}`).join(', ')).then(() => Date.now() - killedAt)
    const delivered = writers.then(() => waitFor(() => allDelivered(sides, PER_SIDE), 60_000, () => progress(sides))).then(() => Date.now() - killedAt)
    const [ghostGoneMs, allBackMs, deliveredMs] = await Promise.all([ghostGone, allBack, delivered])
    // The lease was renewed at most a third of it before the kill and is checked every third.
    expect(ghostGoneMs).toBeGreaterThan(LEASE_MS * 2 / 3 - 200)
    expect(ghostGoneMs).toBeLessThan(LEASE_MS * 2)
    expectExactlyOnceInOrder(sides, PER_SIDE)

    // Everyone who moved is online (on the survivor); the ghost is not.
    const res = await fetch(`${cluster.proxy.url}/api/groups/${group}/members`, { headers: { cookie: watcher.cookie } })
    const online = (await res.json() as { members: Array<{ id: number, online: boolean }> }).members.filter(u => u.online).map(u => u.id)
    expect(online).toEqual(expect.arrayContaining([a1.id, b1.id, a2.id, b2.id]))
    expect(online).not.toContain(ghost.id)

    console.log(`[cluster kill test] instances: 2 behind nginx; clients on the killed one: ${onVictim.length} of ${clients.length}; `
      + `messages written: ${4 * PER_SIDE}; acknowledged before SIGKILL: ${ackedBeforeKill}; acks in all (resends included): ${acks()}; `
      + `delivered exactly once on every side: ${2 * PER_SIDE} per conversation; duplicates: 0; `
      + `every moved client back and synced ${allBackMs} ms after the kill; everything delivered after ${deliveredMs} ms; `
      + `dead instance's presence expired after ${ghostGoneMs} ms (lease ${LEASE_MS} ms)`)
    for (const c of clients) c.stop()
    watch.close()
  }, 120_000)
})
