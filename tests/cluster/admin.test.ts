import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tellInstances } from '../../server/admin/tell'
import { registerUser, signIn } from '../support/accounts'
import type { TestUser } from '../support/accounts'
import { startCluster } from '../support/cluster'
import type { TestCluster } from '../support/cluster'
import { runProgram } from '../support/runProgram'
import type { ProgramRun } from '../support/runProgram'
import { rootDir } from '../support/server'
import { wsConnect } from '../support/wsClient'
import type { WsClient } from '../support/wsClient'

/**
 * The operator's command line against two instances on PostgreSQL and Redis: with the instances'
 * settings it publishes what it did on their channel, so a disabled account's sockets close on
 * both at once (the notice in the database would close them within a second all the same). The
 * two ways are also tested apart: the Redis envelope alone (no notice written), and the notices
 * alone (two instances that share the database and have no Redis).
 */
let cluster: TestCluster
let noRedis: TestCluster
beforeAll(async () => {
  cluster = await startCluster()
  noRedis = await startCluster({ NUXT_REDIS_URL: '' })
})
afterAll(async () => {
  await cluster?.stop()
  await noRedis?.stop()
})

/** A resumed socket on one given instance (directly, not through nginx). */
async function on(instance: 0 | 1, user: TestUser, of = cluster): Promise<WsClient> {
  const ws = await wsConnect(`${of.instances[instance].url.replace(/^http/, 'ws')}/_ws`, { cookie: user.cookie })
  ws.keepAlive(300)
  const { head } = await ws.next('welcome')
  ws.send({ type: 'resume', cursor: head })
  await ws.next('synced')
  return ws
}

/** `npm run admin -- …` with the instances' database and Redis settings. */
function admin(args: string[], of = cluster): Promise<ProgramRun> {
  const { NUXT_REDIS_URL, NUXT_REDIS_PREFIX } = of.instances[0].env
  return runProgram(join(rootDir, 'scripts/admin.mjs'), args, { env: { ...of.instances[0].database, NUXT_REDIS_URL, NUXT_REDIS_PREFIX, NUXT_DATA_DIR: of.instances[0].dataDir } })
}

describe('the command line and two instances', () => {
  it('disables an account: its sockets on both instances close with 4003 at once, and neither lets it sign in', async () => {
    const [dee, eli] = await Promise.all([registerUser(cluster.proxy.url), registerUser(cluster.proxy.url)])
    const [d0, d1, e1] = await Promise.all([on(0, dee), on(1, dee), on(1, eli)])
    const closes = [d0, d1].map(ws => ws.closed.then(({ code }) => ({ code, at: Date.now() })))

    const result = await admin(['users', 'disable', dee.username, '--json'])
    expect(result.code, result.err).toBe(0)
    expect(JSON.parse(result.out)).toMatchObject({ user: { id: dee.id }, sessionsEnded: 1, redis: 'published', instances: 2 })
    for (const ws of [d0, d1]) expect(await ws.next('error', 3000)).toMatchObject({ code: 'account_disabled' })
    for (const { code, at } of await Promise.all(closes)) {
      expect(code).toBe(4003)
      expect(at - result.endedAt).toBeLessThan(1000)
    }
    for (const server of cluster.instances) {
      expect((await signIn(server.url, dee.username)).status).toBe(403)
      expect((await fetch(`${server.url}/api/auth/session`, { headers: { cookie: dee.cookie } })).status).toBe(401)
    }
    // Someone else on the same instance stays.
    expect(e1.ws.readyState).toBe(e1.ws.OPEN)
    e1.close()

    expect((await admin(['users', 'enable', dee.username])).code).toBe(0)
    expect((await signIn(cluster.proxy.url, dee.username)).status).toBe(200)
  })
})

describe('the two ways the instances hear of it, apart', () => {
  it('the Redis envelope alone closes a disabled account\'s sockets on both instances with 4003 (no notice in the database)', async () => {
    const [fay, gil] = await Promise.all([registerUser(cluster.proxy.url), registerUser(cluster.proxy.url)])
    const [f0, f1, g0] = await Promise.all([on(0, fay), on(1, fay), on(0, gil)])
    const noticesBefore = await noticeCount(cluster)
    const sent = Date.now()
    // What the command line publishes after disabling, without the disabling: the notices table
    // gets nothing, so only the Redis subscription can close these sockets.
    const told = await tellInstances({ redisUrl: cluster.instances[0].env.NUXT_REDIS_URL!, redisPrefix: cluster.instances[0].env.NUXT_REDIS_PREFIX! }, [], 'account_disabled', fay.id)
    expect(told).toEqual({ redis: 'published', instances: 2 })
    for (const ws of [f0, f1]) expect(await ws.next('error', 3000)).toMatchObject({ code: 'account_disabled' })
    for (const { code } of await Promise.all([f0, f1].map(ws => ws.closed))) expect(code).toBe(4003)
    expect(Date.now() - sent).toBeLessThan(3000)
    expect(await noticeCount(cluster)).toBe(noticesBefore)
    expect(g0.ws.readyState).toBe(g0.ws.OPEN)
    g0.close()
  })

  it('the notices alone close a disabled account\'s sockets on both instances with 4003 (two instances on one PostgreSQL database, no Redis)', async () => {
    const [hal, ivy] = await Promise.all([registerUser(noRedis.proxy.url), registerUser(noRedis.proxy.url)])
    const [h0, h1, i1] = await Promise.all([on(0, hal, noRedis), on(1, hal, noRedis), on(1, ivy, noRedis)])
    const closes = [h0, h1].map(ws => ws.closed.then(({ code }) => ({ code, at: Date.now() })))

    const result = await admin(['users', 'disable', hal.username, '--json'], noRedis)
    expect(result.code, result.err).toBe(0)
    expect(JSON.parse(result.out)).toMatchObject({ user: { id: hal.id }, sessionsEnded: 1, redis: 'off' })
    for (const ws of [h0, h1]) expect(await ws.next('error', 3000)).toMatchObject({ code: 'account_disabled' })
    for (const { code, at } of await Promise.all(closes)) {
      expect(code).toBe(4003)
      // Read twice a second (server/admin/noticeWatch.ts), with room for a busy machine.
      expect(at - result.endedAt).toBeLessThan(2000)
    }
    expect(i1.ws.readyState).toBe(i1.ws.OPEN)
    i1.close()
  })
})

/** How many notices the instances' database holds. */
async function noticeCount(of: TestCluster): Promise<number> {
  const client = new pg.Client({ connectionString: of.instances[0].database!.NUXT_DATABASE_URL })
  await client.connect()
  try {
    return Number((await client.query('SELECT count(*) AS n FROM admin_notices')).rows[0].n)
  }
  finally {
    await client.end()
  }
}
