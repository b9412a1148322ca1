import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { pairSides, proxiedClient, startCluster } from '../support/cluster'
import type { TestCluster } from '../support/cluster'
import { allDelivered, expectExactlyOnceInOrder, progress, writeAll } from '../support/conversation'
import { waitFor } from '../support/nodeClient'
import { connectSynced, presenceFrames } from '../support/wsClient'
import { introduce } from '../support/groupsApi'

const PER_SIDE = 150
const WINDOW_MS = 3000
let cluster: TestCluster
/** The clients of the first test, still connected for the second. */
let everyone: Array<ReturnType<typeof proxiedClient>> = []
beforeAll(async () => {
  cluster = await startCluster({ NUXT_SHUTDOWN_DRAIN_MS: String(WINDOW_MS) })
})
afterAll(() => cluster?.stop())

describe('an instance stopped with SIGTERM', () => {
  it('drains its clients to the other instance over the jitter window, losing and repeating nothing', async () => {
    const writersUsers = await Promise.all(Array.from({ length: 2 }, () => registerUser(cluster.proxy.url)))
    const idleUsers = await Promise.all(Array.from({ length: 20 }, () => registerUser(cluster.proxy.url)))
    // The browser's first backoff window (1 s): a drained client may take that long to come back.
    const browserLike = { reconnectBaseMs: 1000 }
    const [a, b] = writersUsers.map(u => proxiedClient(cluster, u, browserLike)) as [ReturnType<typeof proxiedClient>, ReturnType<typeof proxiedClient>]
    // Many idle clients (3 tabs per user), to see how their reconnects spread.
    const idle = idleUsers.flatMap(u => [0, 1, 2].map(() => proxiedClient(cluster, u, browserLike)))
    const clients = [a, b, ...idle]
    const sides = pairSides(a, b, writersUsers[0]!, writersUsers[1]!, 'w')
    for (const c of clients) c.connection.connect()
    await waitFor(() => clients.every(c => c.chat.synced), 20_000, () => `${clients.filter(c => c.chat.synced).length} of ${clients.length} synced`)
    await Promise.all(sides.map(s => s.client.chat.select(s.peer)))

    const victimId = a.instance!
    const victim = cluster.byId.get(victimId)!
    const survivor = cluster.instances.find(s => s !== victim)!
    const onVictim = clients.filter(c => c.instance === victimId)
    // Someone on the other instance, watching presence while the victim drains.
    const watcher = await registerUser(cluster.proxy.url)
    // (In a group with everyone, so it would see each of them go offline.)
    await introduce(cluster.proxy.url, [watcher, ...writersUsers, ...idleUsers])
    const { client: watch } = await connectSynced(`${survivor.url.replace(/^http/, 'ws')}/_ws`, watcher.cookie)
    await presenceFrames(watch)
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
    // Everyone moved: nobody was shown offline meanwhile (no flicker), not even for a moment.
    expect((await presenceFrames(watch)).filter(f => (f.offline as unknown[]).length > 0)).toEqual([])
    watch.close()
    expect(victim.proc!.exitCode).toBe(0)
    // Each was closed with 1012 by the drain, none cut (1006).
    for (const c of onVictim) expect(c.closeCodes).toEqual([1012])
    await writers
    await waitFor(() => allDelivered(sides, PER_SIDE), 60_000, () => progress(sides))
    expectExactlyOnceInOrder(sides, PER_SIDE)

    // Reconnects (each client's first new socket after the signal: the herd as the survivor sees it
    // arrive, before its own load adds any delay) spread over the window, not in one burst.
    const back = onVictim.map(c => c.opens.find(t => t >= stoppedAt)! - stoppedAt).sort((x, y) => x - y)
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
    everyone = clients
  }, 120_000)

  it('keeps everyone connected through a rolling restart: the restarted instance takes them all when the other dies', async () => {
    // The stopped instance comes back (a new version, say), then the other one crashes.
    const restarted = cluster.instances.find(s => s.proc?.exitCode !== null)!
    const other = cluster.instances.find(s => s !== restarted)!
    await restarted.start()
    const { instance: newId } = await (await fetch(`${restarted.url}/api/health/live`)).json() as { instance: string }
    await new Promise(r => setTimeout(r, 500))
    await other.kill('SIGKILL')
    const killedAt = Date.now()
    await waitFor(() => everyone.every(c => c.connection.status === 'open' && c.instance === newId && c.chat.synced), 20_000,
      () => `${everyone.filter(c => c.instance === newId && c.chat.synced).length} of ${everyone.length} back`)
    const backMs = Date.now() - killedAt
    // nginx sends them to the restarted instance at once (max_fails=0: it never holds a restarted
    // instance as failed), so each comes back within its first backoff windows.
    expect(backMs).toBeLessThan(4_000)
    console.log(`[cluster rolling restart] ${everyone.length} clients back on the restarted instance ${backMs} ms after the other was killed`)
    for (const c of everyone) c.stop()
  }, 60_000)
})
