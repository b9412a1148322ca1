import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { createNodeClient, waitFor } from '../support/nodeClient'
import { UNLIMITED } from '../support/server'
import { ServerProcess, freePort } from '../support/serverProcess'

const PER_SIDE = 300
const server = new ServerProcess(await freePort(), {
  NUXT_DATA_DIR: mkdtempSync(join(tmpdir(), 'jizhan-crash-')),
  NUXT_HEARTBEAT_INTERVAL_MS: '1000',
  NUXT_HEARTBEAT_TIMEOUT_MS: '1000',
  ...UNLIMITED,
})
afterAll(() => server.kill())

describe('a server crash in the middle of a conversation', () => {
  it('loses no acknowledged message and shows every message exactly once, in order, on both sides', async () => {
    await server.start()
    const [alice, bob] = await Promise.all([registerUser(server.url), registerUser(server.url)])
    const reconnect = { reconnectBaseMs: 100, reconnectCapMs: 1000, reconnectMaxAttempts: 100 }
    const a = createNodeClient(server.url, alice, reconnect)
    const b = createNodeClient(server.url, bob, reconnect)
    const clients = [[a, bob.id, 'a'], [b, alice.id, 'b']] as const
    for (const [c] of clients) c.connection.connect()
    await waitFor(() => a.chat.synced && b.chat.synced, 10_000, () => 'clients did not sync')
    await Promise.all(clients.map(([c, peer]) => c.chat.select(peer)))

    // Both write as fast as their outboxes take it (bounded at 200 waiting), and the server is
    // killed with SIGKILL part-way, then started again on the same port and data.
    const writers = clients.map(async ([c, , prefix]) => {
      for (let i = 0; i < PER_SIDE; i++) {
        while (c.chat.send(`${prefix}-${i}`) !== null) await new Promise(r => setTimeout(r, 5))
        if (i % 20 === 0) await new Promise(r => setTimeout(r, 0))
      }
    })
    await waitFor(() => a.acks + b.acks >= 150, 20_000, () => `only ${a.acks + b.acks} acks`)
    const ackedBeforeCrash = a.acks + b.acks
    await server.kill('SIGKILL')
    const killedAt = Date.now()
    await new Promise(r => setTimeout(r, 300))
    await server.start()
    await Promise.all(writers)

    const stored = (c: typeof a, peer: number) => c.chat.conversations[peer]?.items.filter(i => i.seq !== undefined) ?? []
    const everything = () => clients.every(([c, peer]) => stored(c, peer).length === 2 * PER_SIDE
      && (c.chat.conversations[peer]?.items.length ?? 0) === 2 * PER_SIDE)
    await waitFor(everything, 60_000, () => clients.map(([c, peer]) => `${c.chat.me?.username}: ${stored(c, peer).length} stored of ${c.chat.conversations[peer]?.items.length}`).join('; '))
    const backAfterMs = Date.now() - killedAt

    const expected = [...Array.from({ length: PER_SIDE }, (_, i) => `a-${i}`), ...Array.from({ length: PER_SIDE }, (_, i) => `b-${i}`)].sort()
    for (const [c, peer] of clients) {
      const items = c.chat.conversations[peer]!.items
      expect(items.map(i => i.seq)).toEqual(Array.from({ length: 2 * PER_SIDE }, (_, i) => i + 1))
      expect(items.map(i => i.text).sort()).toEqual(expected)
      // Each side's own messages keep the order they were written in.
      for (const prefix of ['a', 'b']) {
        const own = items.filter(i => i.text.startsWith(`${prefix}-`)).map(i => Number(i.text.slice(2)))
        expect(own).toEqual(Array.from({ length: PER_SIDE }, (_, i) => i))
      }
    }
    const res = await fetch(`${server.url}/api/conversations/${bob.id}/messages?limit=100&before=${2 * PER_SIDE + 1}`, { headers: { cookie: alice.cookie } })
    expect((await res.json() as { messages: unknown[] }).messages).toHaveLength(100)

    console.log(`[crash test] messages written: ${2 * PER_SIDE}; acknowledged before SIGKILL: ${ackedBeforeCrash}; `
      + `acks in all (resends included): ${a.acks + b.acks}; stored and shown on both sides: ${2 * PER_SIDE} each; `
      + `duplicates: 0; all delivered ${backAfterMs} ms after the kill`)
    a.stop()
    b.stop()
  }, 90_000)
})
