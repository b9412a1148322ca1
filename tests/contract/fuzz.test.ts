import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import type { TestUser } from '../support/accounts'
import { UNLIMITED } from '../support/server'
import { ServerProcess, freePort } from '../support/serverProcess'
import { wsConnect } from '../support/wsClient'
import type { WsClient } from '../support/wsClient'

const FUZZERS = 4
const FRAMES_PER_FUZZER = 2500
const server = new ServerProcess(await freePort(), UNLIMITED)
afterAll(() => server.dispose())

/** mulberry32: a small seeded PRNG, so a failure replays exactly. */
function prng(seed: number) {
  return () => {
    seed |= 0
    seed = (seed + 0x6D2B79F5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function rssKb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find(l => l.startsWith('VmRSS:'))!
  return Number(line.replace(/\D+/g, ''))
}

/** One random, mostly malformed frame (text or binary). */
function randomFrame(rand: () => number, ids: number[]): { data: string | Buffer, binary?: boolean } {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!
  const junk = (n: number) => Array.from({ length: n }, () => String.fromCharCode(Math.floor(rand() * 0xFFFF))).join('')
  const values = [null, true, -1, 0, 1.5, 2 ** 53, 'x', '', [], {}, junk(20), 'ticket.abc', ids[0], '__proto__']
  switch (Math.floor(rand() * 11)) {
    case 0: return { data: junk(Math.floor(rand() * 200)) }
    case 1: return { data: Buffer.from(junk(50)), binary: true }
    case 2: return { data: JSON.stringify(pick(values)) }
    case 3: return { data: JSON.stringify({ type: pick(['send', 'resume', 'read', 'delivered', 'ping', 'welcome', 'ack', junk(5)]), [junk(3)]: pick(values) }) }
    case 4: return { data: JSON.stringify({ type: 'send', cid: pick([junk(10), 'x'.repeat(65), '', 5]), to: pick([...ids, ...values]), text: pick(['hi', '', '  ', 'x'.repeat(4001), junk(100), 5]) }) }
    case 5: return { data: JSON.stringify({ type: pick(['read', 'delivered']), peer: pick([...ids, ...values]), seq: pick([1, 0, -5, 1e15, 'a', 7]) }) }
    case 6: return { data: JSON.stringify({ type: 'resume', cursor: pick([0, -1, 1e12, 'x', 3, null]) }) }
    case 7: return { data: `{"type":"send","cid":"${junk(5)}","to":${pick(ids)},"text":"${'\\u0000'.repeat(10)}"` } // truncated JSON
    case 8: return { data: JSON.stringify({ type: 'send', cid: `f${Math.floor(rand() * 1e9)}`, to: pick(ids), text: junk(30) }) }
    case 9: return { data: JSON.stringify({ type: pick(['view', 'typing']), conv: pick([...ids, ...values, 'g1', 'gnope']), stop: pick([true, false, 'x', undefined]) }) }
    default: return { data: '{"type":"ping"}' }
  }
}

async function fuzz(user: TestUser, seed: number, ids: number[]): Promise<number> {
  const rand = prng(seed)
  let sent = 0
  let client: WsClient | undefined
  while (sent < FRAMES_PER_FUZZER) {
    // The server may close a fuzzer (too many invalid frames, 1008): it comes back and goes on.
    if (!client || client.ws.readyState !== client.ws.OPEN) {
      client = await wsConnect(server.url.replace(/^http/, 'ws') + '/_ws', { cookie: user.cookie })
      await client.next('welcome')
    }
    const frame = randomFrame(rand, ids)
    client.ws.send(frame.data, { binary: frame.binary ?? false })
    sent++
    if (sent % 50 === 0) await new Promise(r => setTimeout(r, 5))
  }
  client?.close()
  return sent
}

describe('fuzzing the socket', () => {
  it('survives 10,000 random and malformed frames while a normal pair chats without an error or a lost message', async () => {
    await server.start()
    const pid = server.proc!.pid!
    const fuzzers = await Promise.all(Array.from({ length: FUZZERS }, () => registerUser(server.url)))
    const [alice, bob] = await Promise.all([registerUser(server.url), registerUser(server.url)])
    const ids = [alice.id, bob.id, ...fuzzers.map(f => f.id), 999_999]
    const rssBefore = rssKb(pid)

    const ws = server.url.replace(/^http/, 'ws') + '/_ws'
    const a = await wsConnect(ws, { cookie: alice.cookie })
    const b = await wsConnect(ws, { cookie: bob.cookie })
    for (const c of [a, b]) {
      c.keepAlive(300)
      const { head } = await c.next('welcome')
      c.send({ type: 'resume', cursor: head })
      await c.next('synced')
    }
    const normal = (async () => {
      for (let i = 0; i < 200; i++) {
        a.send({ type: 'send', cid: `n${i}`, to: bob.id, text: `normal ${i}` })
        await a.next('ack', 20_000)
        if (i % 20 === 0) await new Promise(r => setTimeout(r, 20))
      }
    })()
    const frames = (await Promise.all(fuzzers.map((f, i) => fuzz(f, 1000 + i, ids)))).reduce((x, y) => x + y, 0)
    await normal

    const received: string[] = []
    while (received.length < 200) {
      const frame = await b.next('message', 20_000)
      if (frame.from === alice.id) received.push(frame.text as string)
    }
    const errorsSeen: unknown[] = []
    for (const c of [a, b]) {
      for (;;) {
        const e = await c.next('error', 200).catch(() => null)
        if (!e) break
        errorsSeen.push(e)
      }
    }
    const rssAfter = rssKb(pid)
    expect(frames).toBe(FUZZERS * FRAMES_PER_FUZZER)
    expect(received).toEqual(Array.from({ length: 200 }, (_, i) => `normal ${i}`))
    expect(errorsSeen).toEqual([])
    expect((await fetch(`${server.url}/api/auth/session`)).status).toBe(401) // still up and answering
    expect(rssAfter - rssBefore).toBeLessThan(150 * 1024)
    console.log(`[fuzz] frames sent: ${frames} from ${FUZZERS} connections; server RSS before ${Math.round(rssBefore / 1024)} MiB, `
      + `after ${Math.round(rssAfter / 1024)} MiB; normal pair: 200 messages, ${received.length} received in order, errors seen: ${errorsSeen.length}`)
    a.close()
    b.close()
  }, 120_000)
})
