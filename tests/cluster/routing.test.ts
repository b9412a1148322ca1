import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import type { TestUser } from '../support/accounts'
import { startInstances } from '../support/cluster'
import type { TestInstances } from '../support/cluster'
import { groupsApi, introduce } from '../support/groupsApi'
import type { ServerProcess } from '../support/serverProcess'
import { connectSynced } from '../support/wsClient'
import type { WsClient } from '../support/wsClient'

/**
 * Routing proportional to each instance's own users (issue 15), measured: four instances with
 * uneven load. A holds the writers, B their partners, C one light talker and an idle user, D only
 * idle users (in conversations with the writers, so they see their presence). Each instance counts
 * the envelopes it receives and the Redis commands it sends (/api/health/live); the assertions are
 * on ratios between instances, never on timings.
 */
const PAIRS = 4
const MESSAGES = 30
const REPLIES = 10
const GROUP_LINES = 10

let cluster: TestInstances
beforeAll(async () => {
  // A lease tick each second, so the window below sees several.
  cluster = await startInstances(4, { NUXT_REDIS_LEASE_MS: '3000' })
})
afterAll(() => cluster?.stop())

interface Relay { received: number, handled: number, commands: number, presenceRead: number }
async function relayOf(server: ServerProcess): Promise<Relay> {
  return (await (await fetch(`${server.url}/api/health/live`)).json() as { relay: Relay }).relay
}

async function on(server: ServerProcess, user: TestUser): Promise<WsClient> {
  return (await connectSynced(`${server.url.replace(/^http/, 'ws')}/_ws`, user.cookie)).client
}

async function receive(client: WsClient, type: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await client.next(type, 10_000)
}

describe('routing across four instances with uneven load', () => {
  it('gives each instance the envelopes of its own users: an instance of idle users receives almost nothing', async () => {
    const [A, B, C, D] = cluster.instances as [ServerProcess, ServerProcess, ServerProcess, ServerProcess]
    const register = (n: number) => Promise.all(Array.from({ length: n }, () => registerUser(A.url)))
    const [writers, partners, [talker, idleC], idle] = await Promise.all([register(PAIRS), register(PAIRS), register(2), register(PAIRS)])
    // Each idle user shares a conversation with a writer and a partner: they see their presence.
    for (let i = 0; i < PAIRS; i++) await introduce(A.url, [writers[i]!, partners[i]!, idle[i]!])
    const team = await groupsApi(A.url).create(writers[0]!, [partners[0]!, talker])

    const w = await Promise.all(writers.map(u => on(A, u)))
    const p = await Promise.all(partners.map(u => on(B, u)))
    const t = await on(C, talker)
    const quiet = [await on(C, idleC!), ...await Promise.all(idle.map(u => on(D, u)))]
    // Presence of everyone connecting settles first: the window measures the traffic alone.
    await new Promise(resolve => setTimeout(resolve, 1500))

    const before = await Promise.all(cluster.instances.map(relayOf))
    const started = Date.now()
    for (let i = 0; i < PAIRS; i++) {
      for (let m = 0; m < MESSAGES; m++) w[i]!.send({ type: 'send', cid: `w${i}-${m}`, to: partners[i]!.id, text: `hello ${m}` })
      for (let m = 0; m < REPLIES; m++) p[i]!.send({ type: 'send', cid: `p${i}-${m}`, to: writers[i]!.id, text: `hi ${m}` })
    }
    for (let m = 0; m < 5; m++) t.send({ type: 'send', cid: `t${m}`, to: writers[0]!.id, text: `psst ${m}` })
    for (let m = 0; m < GROUP_LINES; m++) w[0]!.send({ type: 'groupSend', cid: `g${m}`, conv: team.conv, text: `team ${m}` })
    await Promise.all([
      ...p.map(c => receive(c, 'message', MESSAGES)),
      ...w.map((c, i) => receive(c, 'message', REPLIES + (i === 0 ? 5 : 0))),
      receive(p[0]!, 'groupMessage', GROUP_LINES),
      receive(t, 'groupMessage', GROUP_LINES),
    ])
    // A few lease ticks more: the upkeep is part of each instance's cost.
    await new Promise(resolve => setTimeout(resolve, 2000))
    const after = await Promise.all(cluster.instances.map(relayOf))
    const seconds = (Date.now() - started) / 1000

    const rows = ['A writers', 'B partners', 'C light', 'D idle'].map((name, i) => {
      const delta = (k: keyof Relay) => after[i]![k] - before[i]![k]
      return { instance: name, envelopes: delta('handled'), envelopesPerS: +(delta('handled') / seconds).toFixed(1), commands: delta('commands'), commandsPerS: +(delta('commands') / seconds).toFixed(1), presenceRead: delta('presenceRead') }
    })
    console.log(`routing over ${seconds.toFixed(1)} s:\n${rows.map(r => JSON.stringify(r)).join('\n')}`)
    const [a, b, c, d] = rows as [typeof rows[0], typeof rows[0], typeof rows[0], typeof rows[0]]
    // A and B carry the pairs' traffic, C a little, D none of it.
    expect(a.envelopes).toBeGreaterThan(0)
    expect(b.envelopes).toBeGreaterThan(0)
    expect(c.envelopes).toBeGreaterThan(0)
    expect(c.envelopes).toBeLessThan(a.envelopes / 4)
    expect(d.envelopes).toBeLessThanOrEqual(Math.max(2, a.envelopes / 100))
    // D's commands are its lease upkeep only; with nobody coming or going, no lease tick anywhere
    // reads another instance's presence again (epochs.ts).
    expect(d.commands).toBeLessThan(a.commands / 5)
    expect(rows.map(r => r.presenceRead)).toEqual([0, 0, 0, 0])
    for (const client of [...w, ...p, t, ...quiet]) client.close()
  })
})
