import Redis from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { TEST_REDIS_URL, startInstances } from '../support/cluster'
import type { TestInstances } from '../support/cluster'
import { introduce } from '../support/groupsApi'
import type { ServerProcess } from '../support/serverProcess'
import { UpgradeRefused, connectSynced, nextPresenceOf, wsConnect } from '../support/wsClient'

/**
 * Two instances on one Redis, each socket placed on a chosen instance: what the subscriber does
 * after its connection is killed, and which instances hear what (/api/health/live counters).
 */

let cluster: TestInstances
let redis: Redis
beforeAll(async () => {
  cluster = await startInstances(2, { NUXT_REDIS_LEASE_MS: '1500' })
  redis = new Redis(TEST_REDIS_URL)
})
afterAll(async () => {
  redis?.disconnect()
  await cluster?.stop()
})

const wsUrl = (server: ServerProcess) => `${server.url.replace(/^http/, 'ws')}/_ws`
const prefix = () => cluster.instances[0]!.env.NUXT_REDIS_PREFIX!

async function live(server: ServerProcess): Promise<{ instance: string, relay: { received: number, handled: number, presenceRead: number } }> {
  return await (await fetch(`${server.url}/api/health/live`)).json() as never
}

/** An instance's subscriber connection as CLIENT LIST shows it (redis.ts names it), if connected. */
async function subscriberOf(server: ServerProcess): Promise<{ id: string, addr: string, channels: number } | undefined> {
  const name = `${prefix()}${(await live(server)).instance}:sub`.replace(/[^\w:.-]/g, '_')
  const line = (await redis.client('LIST') as string).split('\n').find(l => l.includes(` name=${name} `))
  if (!line) return undefined
  const field = (key: string) => line.match(new RegExp(`(?:^| )${key}=(\\S*)`))![1]!
  return { id: field('id'), addr: field('addr'), channels: Number(field('sub')) }
}

async function until<T>(read: () => Promise<T | undefined>, ok: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (value !== undefined && ok(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 50))
  }
}

describe('the subscriber after its Redis connection is killed', () => {
  it('subscribes again to each of its channels once, and its users get what follows, once', async () => {
    const [a, b] = cluster.instances as [ServerProcess, ServerProcess]
    const [ann, ben] = await Promise.all([registerUser(a.url), registerUser(a.url)])
    await introduce(a.url, [ann, ben])
    const { client: annSocket } = await connectSynced(wsUrl(a), ann.cookie)
    const { client: benSocket } = await connectSynced(wsUrl(b), ben.cookie)
    await nextPresenceOf(annSocket, ben.id, true)
    // A follows the cluster channel, Ann's channel and Ben's presence.
    const before = await until(() => subscriberOf(a), s => s.channels === 3, 'three channels on A')

    const monitor = await redis.duplicate().monitor()
    const subscribed: Array<{ source: string, channels: string[] }> = []
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (args[0]?.toLowerCase() === 'subscribe') subscribed.push({ source, channels: args.slice(1) })
    })
    try {
      await redis.client('KILL', 'ID', before.id)
      const after = await until(() => subscriberOf(a), s => s.id !== before.id && s.channels === 3, 'A subscribed again')
      // Time for a second restore, if there were one.
      await new Promise(r => setTimeout(r, 500))
      const channels = subscribed.filter(s => s.source === after.addr).flatMap(s => s.channels)
      expect(channels.sort()).toEqual([`${prefix()}p:${ben.id}`, `${prefix()}relay`, `${prefix()}u:${ann.id}`])
    }
    finally {
      monitor.disconnect()
    }

    benSocket.send({ type: 'send', cid: 'after-kill', to: ann.id, text: 'after the kill' })
    expect(await annSocket.next('message', 5000)).toMatchObject({ text: 'after the kill' })
    await expect(annSocket.next('message', 500)).rejects.toThrow(/no message/)
    // Ben's presence still reaches A.
    benSocket.close()
    expect(await nextPresenceOf(annSocket, ben.id, false, 5000)).toBeTruthy()
    annSocket.close()
  })
})

describe('what every instance hears on the cluster channel', () => {
  it('a sign-out reaches every instance at once: one that only cached the session refuses it before its cache would expire', async () => {
    const [a, b] = cluster.instances as [ServerProcess, ServerProcess]
    const cat = await registerUser(a.url)
    const { client: catSocket } = await connectSynced(wsUrl(a), cat.cookie)
    // B has the session in its cache (an HTTP request of Cat's), but holds no socket of hers.
    expect((await fetch(`${b.url}/api/auth/session`, { headers: { cookie: cat.cookie } })).status).toBe(200)

    const res = await fetch(`${a.url}/api/auth/logout`, { method: 'POST', headers: { 'cookie': cat.cookie, 'content-type': 'application/json' }, body: '{}' })
    expect(res.status).toBe(200)
    expect(await catSocket.closed).toMatchObject({ code: 4001 })
    // The cache keeps a session 5 s: refused well within that, so B heard the sign-out.
    const endedAt = Date.now()
    await until(async () => (await fetch(`${b.url}/api/auth/session`, { headers: { cookie: cat.cookie } })).status, status => status === 401, 'B refusing the ended session')
    expect(Date.now() - endedAt).toBeLessThan(2000)
    const outcome = await wsConnect(wsUrl(b), { cookie: cat.cookie }).then(
      socket => Promise.race([socket.closed.then(c => c.code), new Promise(r => setTimeout(() => r('still open'), 3000))]),
      (error: unknown) => error instanceof UpgradeRefused ? error.status : error,
    )
    expect(outcome).toBe(401)
  })

  it('a resync asked by another instance reads no presence again', async () => {
    const [a, b] = cluster.instances as [ServerProcess, ServerProcess]
    const [dan, eve] = await Promise.all([registerUser(a.url), registerUser(a.url)])
    await introduce(a.url, [dan, eve])
    const { client: danSocket } = await connectSynced(wsUrl(a), dan.cookie)
    const { client: eveSocket } = await connectSynced(wsUrl(b), eve.cookie)
    await nextPresenceOf(danSocket, eve.id, true)
    const readBefore = await Promise.all([a, b].map(async s => (await live(s)).relay.presenceRead))
    const handledBefore = await Promise.all([a, b].map(async s => (await live(s)).relay.handled))
    // What an instance that lost publishes asks after re-announcing its users.
    await redis.publish(`${prefix()}relay`, JSON.stringify({ kind: 'resync', from: 'test-instance' }))
    await until(async () => Promise.all([a, b].map(async s => (await live(s)).relay.handled)), h => h.every((n, i) => n > handledBefore[i]!), 'the resync handled')
    await new Promise(r => setTimeout(r, 300))
    expect(await Promise.all([a, b].map(async s => (await live(s)).relay.presenceRead))).toEqual(readBefore)
    danSocket.close()
    eveSocket.close()
  })
})
