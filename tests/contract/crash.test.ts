import { afterAll, describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { allDelivered, expectExactlyOnceInOrder, progress, writeAll } from '../support/conversation'
import type { Side } from '../support/conversation'
import { groupsApi } from '../support/groupsApi'
import { createNodeClient, waitFor } from '../support/nodeClient'
import { UNLIMITED } from '../support/server'
import { ServerProcess, freePort } from '../support/serverProcess'

const PER_SIDE = 300
const servers: ServerProcess[] = []
afterAll(() => Promise.all(servers.map(s => s.dispose())))

// Both durability settings (docs/architecture.md): a process crash loses nothing acknowledged
// with either; they differ only on a power cut, which a test cannot make.
describe.each(['FULL', 'NORMAL'])('a server crash in the middle of a conversation (NUXT_SQLITE_SYNCHRONOUS=%s)', (synchronous) => {
  it('loses no acknowledged message and shows every message exactly once, in order, on both sides', async () => {
    const server = new ServerProcess(await freePort(), {
      NUXT_HEARTBEAT_INTERVAL_MS: '1000',
      NUXT_HEARTBEAT_TIMEOUT_MS: '1000',
      NUXT_SQLITE_SYNCHRONOUS: synchronous,
      ...UNLIMITED,
    })
    servers.push(server)
    await server.start()
    const [alice, bob] = await Promise.all([registerUser(server.url), registerUser(server.url)])
    const reconnect = { reconnectBaseMs: 100, reconnectCapMs: 1000, reconnectMaxAttempts: 100 }
    const a = createNodeClient(server.url, alice, reconnect)
    const b = createNodeClient(server.url, bob, reconnect)
    const sides: Side[] = [{ client: a, peer: bob.id, prefix: 'a', peerPrefix: 'b' }, { client: b, peer: alice.id, prefix: 'b', peerPrefix: 'a' }]
    for (const { client } of sides) client.connection.connect()
    await waitFor(() => a.chat.synced && b.chat.synced, 10_000, () => 'clients did not sync')
    await Promise.all(sides.map(s => s.client.chat.select(s.peer)))

    // Both write as fast as their outboxes take it, and the server is killed with SIGKILL
    // part-way, then started again on the same port and data.
    const writers = writeAll(sides, PER_SIDE)
    await waitFor(() => a.acks + b.acks >= 150, 20_000, () => `only ${a.acks + b.acks} acks`)
    const ackedBeforeCrash = a.acks + b.acks
    await server.kill('SIGKILL')
    const killedAt = Date.now()
    await new Promise(r => setTimeout(r, 300))
    await server.start()
    await writers

    await waitFor(() => allDelivered(sides, PER_SIDE), 60_000, () => progress(sides))
    const backAfterMs = Date.now() - killedAt
    expectExactlyOnceInOrder(sides, PER_SIDE)
    const res = await fetch(`${server.url}/api/conversations/${bob.id}/messages?limit=100&before=${2 * PER_SIDE + 1}`, { headers: { cookie: alice.cookie } })
    expect((await res.json() as { messages: unknown[] }).messages).toHaveLength(100)

    console.log(`[crash test, ${synchronous}] messages written: ${2 * PER_SIDE}; acknowledged before SIGKILL: ${ackedBeforeCrash}; `
      + `acks in all (resends included): ${a.acks + b.acks}; stored and shown on both sides: ${2 * PER_SIDE} each; `
      + `duplicates: 0; all delivered ${backAfterMs} ms after the kill`)
    a.stop()
    b.stop()
  }, 90_000)
})

describe('a server crash in the middle of a group conversation with three writers', () => {
  it('loses no acknowledged message and shows every member every message exactly once, in order', async () => {
    const PER_WRITER = 150
    const server = new ServerProcess(await freePort(), { NUXT_HEARTBEAT_INTERVAL_MS: '1000', NUXT_HEARTBEAT_TIMEOUT_MS: '1000', ...UNLIMITED })
    servers.push(server)
    await server.start()
    const people = await Promise.all(Array.from({ length: 3 }, () => registerUser(server.url)))
    const { conv, lastSeq } = await groupsApi(server.url).create(people[0]!, people.slice(1))
    const reconnect = { reconnectBaseMs: 100, reconnectCapMs: 1000, reconnectMaxAttempts: 100 }
    const clients = people.map(p => createNodeClient(server.url, p, reconnect))
    for (const c of clients) c.connection.connect()
    await waitFor(() => clients.every(c => c.chat.synced), 10_000, () => 'clients did not sync')
    await Promise.all(clients.map(c => c.chat.selectGroup(conv)))

    const lines = (c: typeof clients[0]) => (c.groups.byConv[conv]?.items ?? []).filter(i => i.seq !== undefined && !i.system)
    const total = 3 * PER_WRITER
    const writers = Promise.all(clients.map(async (c, w) => {
      for (let i = 0; i < PER_WRITER; i++) {
        while (c.chat.send(`w${w}-${i}`) !== null) await new Promise(r => setTimeout(r, 5))
        if (i % 20 === 0) await new Promise(r => setTimeout(r, 0))
      }
    }))
    const acks = () => clients.reduce((n, c) => n + c.acks, 0)
    await waitFor(() => acks() >= 120, 20_000, () => `only ${acks()} acks`)
    const ackedBeforeCrash = acks()
    await server.kill('SIGKILL')
    await new Promise(r => setTimeout(r, 300))
    await server.start()
    await writers
    await waitFor(() => clients.every(c => lines(c).length === total), 60_000,
      () => clients.map(c => `${lines(c).length} of ${total} (waiting to be sent or acknowledged: ${(c.groups.byConv[conv]?.items ?? []).filter(i => i.seq === undefined).length})`).join('; '))

    for (const c of clients) {
      const items = c.groups.byConv[conv]!.items
      // Every seq once and gapless, from the member's first line to the last (the creation lines
      // before them are not what is tested here); each writer's lines in the order written.
      const first = items[0]!.seq!
      expect(first).toBeLessThanOrEqual(lastSeq + 1)
      expect(items.map(i => i.seq)).toEqual(Array.from({ length: total + lastSeq - first + 1 }, (_, i) => first + i))
      for (let w = 0; w < 3; w++) {
        expect(items.filter(i => i.text.startsWith(`w${w}-`)).map(i => i.text)).toEqual(Array.from({ length: PER_WRITER }, (_, i) => `w${w}-${i}`))
      }
    }
    console.log(`[crash test, group] writers: 3; messages written: ${total}; acknowledged before SIGKILL: ${ackedBeforeCrash}; `
      + `acks in all (resends included): ${acks()}; shown to every member exactly once, in order`)
    for (const c of clients) c.stop()
  }, 120_000)
})
