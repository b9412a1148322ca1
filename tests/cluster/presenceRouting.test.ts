import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import type { TestUser } from '../support/accounts'
import { startInstances } from '../support/cluster'
import type { TestInstances } from '../support/cluster'
import { introduce } from '../support/groupsApi'
import type { ServerProcess } from '../support/serverProcess'
import { connectSynced, nextPresenceOf, presenceFrames, presenceOfUser } from '../support/wsClient'
import type { WsClient } from '../support/wsClient'

/**
 * Presence routed by who sees it (issue 15), measured: people on A and B come and go again and
 * again; the watcher on C shares a group with them, the users on D share conversations only among
 * themselves. Each instance counts the presence envelopes it receives and the envelopes from other
 * instances it handles (/api/health/live): D, busy with nobody who sees the churners, receives
 * (almost) none of it, C all of it. Ratios between instances, never timings.
 */
const CHURNERS = 3
const ROUNDS = 5

let cluster: TestInstances
beforeAll(async () => {
  cluster = await startInstances(4, { NUXT_REDIS_LEASE_MS: '3000' })
})
afterAll(() => cluster?.stop())

interface Relay { received: number, handled: number, commands: number, presenceRead: number, presence?: number }
async function relayOf(server: ServerProcess): Promise<Relay> {
  return (await (await fetch(`${server.url}/api/health/live`)).json() as { relay: Relay }).relay
}

async function on(server: ServerProcess, user: TestUser): Promise<WsClient> {
  return (await connectSynced(`${server.url.replace(/^http/, 'ws')}/_ws`, user.cookie)).client
}

describe('presence across four instances while people come and go', () => {
  it('reaches the instances whose users see the people who change, and (almost) nothing else', async () => {
    const [A, B, C, D] = cluster.instances as [ServerProcess, ServerProcess, ServerProcess, ServerProcess]
    const register = (n: number) => Promise.all(Array.from({ length: n }, () => registerUser(A.url)))
    const [onA, onB, [watcher, stayer], idle] = await Promise.all([register(CHURNERS), register(CHURNERS), register(2), register(3)])
    const churners = [...onA, ...onB]
    const group = await introduce(A.url, [watcher!, stayer!, ...churners])
    await introduce(A.url, idle)

    const w = await on(C, watcher!)
    const s = await on(A, stayer!)
    const quiet = await Promise.all(idle.map(u => on(D, u)))
    await presenceFrames(w)
    const before = await Promise.all(cluster.instances.map(relayOf))
    const started = Date.now()

    for (let round = 0; round < ROUNDS; round++) {
      const clients = await Promise.all([...onA.map(u => on(A, u)), ...onB.map(u => on(B, u))])
      for (const client of clients) client.close()
      // Each one gone from the watcher's view before the next round (their last state, offline).
      const seen = new Map<number, boolean>()
      for (let tries = 0; tries < 50 && churners.some(u => seen.get(u.id) !== false); tries++) {
        for (const frame of await presenceFrames(w, 200)) {
          for (const u of churners) {
            const state = presenceOfUser(frame, u.id)
            if (state !== undefined) seen.set(u.id, state)
          }
        }
      }
      expect(churners.map(u => seen.get(u.id))).toEqual(churners.map(() => false))
    }
    const after = await Promise.all(cluster.instances.map(relayOf))
    const seconds = (Date.now() - started) / 1000

    const rows = ['A churners', 'B churners', 'C watcher', 'D others'].map((name, i) => {
      const delta = (k: keyof Relay) => (after[i]![k] ?? 0) - (before[i]![k] ?? 0)
      return { instance: name, presence: delta('presence'), handled: delta('handled'), received: delta('received'), commands: delta('commands'), commandsPerS: +(delta('commands') / seconds).toFixed(1), presenceRead: delta('presenceRead') }
    })
    console.log(`presence churn, ${churners.length} people × ${ROUNDS} rounds over ${seconds.toFixed(1)} s:\n${rows.map(r => JSON.stringify(r)).join('\n')}`)
    const [, , c, d] = rows as [typeof rows[0], typeof rows[0], typeof rows[0], typeof rows[0]]
    // The watcher's instance gets every change (one online and one offline per person and round,
    // fewer only when a close and the next connect fall together).
    expect(c.presence).toBeGreaterThanOrEqual(churners.length * ROUNDS)
    // D holds users too, but none who sees the churners: (almost) nothing reaches it.
    expect(d.presence).toBeLessThanOrEqual(Math.max(1, c.presence / 50))
    expect(d.handled).toBeLessThanOrEqual(Math.max(2, c.handled / 50))

    // Who is online is read from Redis, so an instance that follows none of them still answers right.
    const res = await fetch(`${D.url}/api/groups/${group}/members`, { headers: { cookie: watcher!.cookie } })
    const { members } = await res.json() as { members: Array<{ id: number, online: boolean }> }
    const online = new Map(members.map(m => [m.id, m.online]))
    expect([watcher!, stayer!, ...churners].map(u => online.get(u.id))).toEqual([true, true, ...churners.map(() => false)])
    for (const client of [w, s, ...quiet]) client.close()
  })
})

describe('presence between people who just met', () => {
  it('reaches the other instance once a first message makes two strangers contacts', async () => {
    const [A, B] = cluster.instances as [ServerProcess, ServerProcess]
    const [ann, ben] = await Promise.all([registerUser(A.url), registerUser(A.url)])
    // Ben arrives with no contacts: his instance follows nobody's presence for him.
    const b = await on(B, ben)
    let a = await on(A, ann)
    a.send({ type: 'send', cid: 'hello', to: ben.id, text: 'hello' })
    await b.next('message', 10_000)
    // Ben's instance learns they are contacts now (its following may take a moment: Ann comes back
    // and leaves again until it has).
    let offline = false
    for (let tries = 0; tries < 20 && !offline; tries++) {
      a.close()
      for (const frame of await presenceFrames(b, 300)) if (presenceOfUser(frame, ann.id) === false) offline = true
      if (!offline) a = await on(A, ann)
    }
    expect(offline).toBe(true)
    b.close()
  })
})

describe('presence of the people a newcomer sees', () => {
  it('tells a user arriving on another instance which of their contacts are online, by name', async () => {
    const [A, , C] = cluster.instances as [ServerProcess, ServerProcess, ServerProcess]
    const [ann, ben, cat] = await Promise.all([registerUser(A.url), registerUser(A.url), registerUser(A.url)])
    await introduce(A.url, [ann!, ben!, cat!])
    const a = await on(A, ann!)
    // Ben's instance follows Ann's presence only now, after his people list could have been read:
    // it tells him what it read (Cat was never online: nothing to correct about her).
    const b = await on(C, ben!)
    const frame = await nextPresenceOf(b, ann!.id, true, 5000)
    expect(frame.online).toContainEqual({ id: ann!.id, username: ann!.username })
    expect(presenceOfUser(frame, cat!.id)).toBeUndefined()
    for (const client of [a, b]) client.close()
  })
})
