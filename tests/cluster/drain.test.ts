import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { pairSides, proxiedClient, startCluster } from '../support/cluster'
import type { TestCluster } from '../support/cluster'
import { allDelivered, expectExactlyOnceInOrder, progress, writeAll } from '../support/conversation'
import { waitFor } from '../support/nodeClient'

const PER_SIDE = 150
const WINDOW_MS = 3000
let cluster: TestCluster
beforeAll(async () => {
  cluster = await startCluster({ NUXT_SHUTDOWN_DRAIN_MS: String(WINDOW_MS) })
})
afterAll(() => cluster?.stop())

describe('an instance stopped with SIGTERM', () => {
  it('drains its clients to the other instance over the jitter window, losing and repeating nothing', async () => {
    const writersUsers = await Promise.all(Array.from({ length: 2 }, () => registerUser(cluster.proxy.url)))
    const idleUsers = await Promise.all(Array.from({ length: 20 }, () => registerUser(cluster.proxy.url)))
    const [a, b] = writersUsers.map(u => proxiedClient(cluster, u)) as [ReturnType<typeof proxiedClient>, ReturnType<typeof proxiedClient>]
    // Many idle clients (3 tabs per user), to see how their reconnects spread.
    const idle = idleUsers.flatMap(u => [0, 1, 2].map(() => proxiedClient(cluster, u)))
    const clients = [a, b, ...idle]
    const sides = pairSides(a, b, writersUsers[0]!, writersUsers[1]!, 'w')
    for (const c of clients) c.connection.connect()
    await waitFor(() => clients.every(c => c.chat.synced), 20_000, () => `${clients.filter(c => c.chat.synced).length} of ${clients.length} synced`)
    await Promise.all(sides.map(s => s.client.chat.select(s.peer)))

    const victimId = a.instance!
    const victim = cluster.byId.get(victimId)!
    const onVictim = clients.filter(c => c.instance === victimId)
    const writers = writeAll(sides, PER_SIDE)
    await waitFor(() => a.acks + b.acks >= 100, 20_000, () => `only ${a.acks + b.acks} acks`)
    const ackedBeforeStop = a.acks + b.acks
    const stoppedAt = Date.now()
    const exited = victim.kill('SIGTERM')

    await waitFor(() => onVictim.every(c => c.connection.status === 'open' && c.instance !== victimId && c.chat.synced), 30_000,
      () => onVictim.map(c => `${c.connection.status}@${c.instance}`).join(', '))
    const allBackMs = Date.now() - stoppedAt
    await exited
    const exitedMs = Date.now() - stoppedAt
    expect(victim.proc!.exitCode).toBe(0)
    // Each was closed with 1012 by the drain, none cut (1006).
    for (const c of onVictim) expect(c.closeCodes).toEqual([1012])
    await writers
    await waitFor(() => allDelivered(sides, PER_SIDE), 60_000, () => progress(sides))
    expectExactlyOnceInOrder(sides, PER_SIDE)

    // Reconnects (welcomes from the survivor) spread over the window, not in one burst.
    const back = onVictim.map(c => c.welcomes.find(w => w.at >= stoppedAt && w.instance !== victimId)!.at - stoppedAt).sort((x, y) => x - y)
    const quarter = WINDOW_MS / 4
    const perQuarter = [0, 1, 2, 3].map(q => back.filter(t => t >= q * quarter && t < (q + 1) * quarter).length)
    const perHalfSecond = Array.from({ length: Math.ceil((back.at(-1)! + 1) / 500) }, (_, i) => back.filter(t => Math.floor(t / 500) === i).length)
    expect(onVictim.length).toBeGreaterThanOrEqual(20)
    expect(back.at(-1)! - back[0]!).toBeGreaterThan(WINDOW_MS / 2)
    expect(Math.max(...perQuarter)).toBeLessThanOrEqual(Math.ceil(onVictim.length / 2))

    console.log(`[cluster drain test] clients on the stopped instance: ${onVictim.length} of ${clients.length}; window ${WINDOW_MS} ms; `
      + `reconnects per 500 ms after SIGTERM: [${perHalfSecond.join(', ')}]; first ${back[0]} ms, last ${back.at(-1)} ms; `
      + `all back after ${allBackMs} ms; process exited after ${exitedMs} ms; messages written: ${2 * PER_SIDE}; `
      + `acknowledged before SIGTERM: ${ackedBeforeStop}; acks in all: ${a.acks + b.acks}; delivered exactly once, in order; duplicates: 0`)
    for (const c of clients) c.stop()
  }, 120_000)
})
