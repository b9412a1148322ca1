import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { connect, createServer as createNetServer } from 'node:net'
import type { Server, Socket } from 'node:net'
import { join } from 'node:path'
import type { TestUser } from './accounts'
import type { Side } from './conversation'
import { dropTestDatabase, testDatabaseEnv } from './database'
import { createNodeClient } from './nodeClient'
import { UNLIMITED, rootDir } from './server'
import { ServerProcess, freePort } from './serverProcess'
import { makeTempDir, removeTempDir } from './tempDir'

/** The Redis the cluster tests use (CI's machine runs one on 127.0.0.1:6379). */
export const TEST_REDIS_URL = process.env.JIZHAN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
/** nginx from Debian's packages, or JIZHAN_NGINX. */
export const NGINX = process.env.JIZHAN_NGINX ?? 'nginx'

/**
 * The nginx configuration docs/deploy.md ships, with only the ports changed: the tests run exactly
 * what the documentation tells people to deploy.
 */
export function nginxConfigFromDocs(listenPort: number, upstreamPorts: readonly [number, number]): string {
  const doc = readFileSync(join(rootDir, 'docs/deploy.md'), 'utf8')
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1]
  if (!block) throw new Error('docs/deploy.md has no ```nginx block')
  const replace = (text: string, from: string, to: string) => {
    if (!text.includes(from)) throw new Error(`docs/deploy.md's nginx block no longer contains "${from}"`)
    return text.replaceAll(from, to)
  }
  let config = replace(block, 'listen 80;', `listen 127.0.0.1:${listenPort};`)
  config = replace(config, '127.0.0.1:3001', `127.0.0.1:${upstreamPorts[0]}`)
  return replace(config, '127.0.0.1:3002', `127.0.0.1:${upstreamPorts[1]}`)
}

/**
 * nginx in the foreground with its own prefix folder, pid file and logs (no root paths touched);
 * `dispose()` stops it and removes that folder.
 */
export class Nginx {
  proc: ChildProcess | undefined
  log = ''
  readonly dir = makeTempDir('nginx')
  constructor(readonly port: number, readonly httpBlock: string) {}

  get url() {
    return `http://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    // Workers may run as another user: they must reach the temp folders.
    chmodSync(this.dir, 0o777)
    const temp = (name: string) => `${name}_temp_path ${join(this.dir, name)};`
    writeFileSync(join(this.dir, 'nginx.conf'), [
      'daemon off;', 'worker_processes 1;', `pid ${join(this.dir, 'nginx.pid')};`, `error_log ${join(this.dir, 'error.log')} warn;`,
      'events { worker_connections 4096; }',
      `http { access_log off; ${temp('client_body')} ${temp('proxy')} ${temp('fastcgi')} ${temp('uwsgi')} ${temp('scgi')}`,
      this.httpBlock, '}',
    ].join('\n'))
    this.proc = spawn(NGINX, ['-p', this.dir, '-c', join(this.dir, 'nginx.conf'), '-e', join(this.dir, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] })
    this.proc.stdout!.on('data', (d: Buffer) => (this.log += d))
    this.proc.stderr!.on('data', (d: Buffer) => (this.log += d))
    const failed = new Promise<never>((_, reject) => {
      this.proc!.once('error', error => reject(new Error(`nginx did not start (${NGINX}): ${error.message}`)))
      this.proc!.once('exit', code => reject(new Error(`nginx exited with ${code}:\n${this.log}`)))
    })
    const deadline = Date.now() + 10_000
    const up = (async () => {
      while (Date.now() < deadline) {
        try {
          await fetch(`${this.url}/api/health/live`)
          return
        }
        catch {
          await new Promise(r => setTimeout(r, 100))
        }
      }
      throw new Error(`nginx did not answer within 10 s:\n${this.log}`)
    })()
    await Promise.race([up, failed])
    failed.catch(() => {})
  }

  async stop(): Promise<void> {
    const proc = this.proc
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve())
      proc.kill('SIGTERM')
    })
  }

  async dispose(): Promise<void> {
    await this.stop()
    removeTempDir(this.dir)
  }
}

/** Starts the instances on one database, one after the other: the first applies the migrations. */
async function startInOrder(instances: readonly ServerProcess[], database: Record<string, string>): Promise<void> {
  for (const server of instances) {
    server.database = database
    await server.start()
  }
}

export interface TestCluster {
  proxy: Nginx
  instances: [ServerProcess, ServerProcess]
  /** Instance id (as in `welcome.instance`) → its process. */
  byId: Map<string, ServerProcess>
  /** Stops nginx and both instances, then removes their folders and drops the database. */
  stop(): Promise<void>
}

/**
 * Two production instances on PostgreSQL (one fresh database for both) and Redis (a fresh key
 * prefix), behind nginx configured as docs/deploy.md says. `perInstance` overrides one instance's env.
 */
export async function startCluster(env: Record<string, string> = {}, perInstance: [Record<string, string>, Record<string, string>] = [{}, {}]): Promise<TestCluster> {
  const [portA, portB, proxyPort] = [await freePort(), await freePort(), await freePort()]
  const nginxConfig = nginxConfigFromDocs(proxyPort, [portA, portB])
  const database = await testDatabaseEnv()
  if (!database.NUXT_DATABASE_URL) throw new Error('The cluster tests need PostgreSQL: run them with `npm run test:cluster`.')
  const shared = {
    ...UNLIMITED,
    NUXT_REDIS_URL: TEST_REDIS_URL,
    NUXT_REDIS_PREFIX: `jizhan-test:${randomBytes(4).toString('hex')}:`,
    NUXT_SESSION_SECRET: randomBytes(32).toString('hex'),
    NUXT_TRUST_PROXY: 'true',
    NUXT_HEARTBEAT_INTERVAL_MS: '1000',
    NUXT_HEARTBEAT_TIMEOUT_MS: '1000',
    ...env,
  }
  const instances: [ServerProcess, ServerProcess] = [
    new ServerProcess(portA, { ...shared, ...perInstance[0] }),
    new ServerProcess(portB, { ...shared, ...perInstance[1] }),
  ]
  const proxy = new Nginx(proxyPort, nginxConfig)
  const stop = async () => {
    await proxy.dispose()
    await Promise.all(instances.map(s => s.dispose()))
    await dropTestDatabase(database.NUXT_DATABASE_URL)
  }
  try {
    await startInOrder(instances, database)
    const byId = new Map<string, ServerProcess>()
    for (const server of instances) {
      const { instance } = await (await fetch(`${server.url}/api/health/live`)).json() as { instance: string }
      byId.set(instance, server)
    }
    await proxy.start()
    return { proxy, instances, byId, stop }
  }
  catch (error) {
    // The caller gets no cluster to stop: leave nothing running or behind.
    await stop()
    throw error
  }
}

/** Reconnect settings for Node clients in failover tests: quick, and patient enough never to give up. */
export const FAILOVER_RECONNECT = { reconnectBaseMs: 100, reconnectCapMs: 1000, reconnectMaxAttempts: 100 }

/**
 * The real client (stores in Node) through the proxy, recording every welcome: when, and which
 * instance it came from.
 */
export function proxiedClient(cluster: TestCluster, user: TestUser, reconnect: Record<string, number> = {}) {
  const client = createNodeClient(cluster.proxy.url, user, { ...FAILOVER_RECONNECT, ...reconnect })
  const welcomes: Array<{ at: number, instance: string }> = []
  client.connection.onFrame((f) => {
    if (f.type === 'welcome') welcomes.push({ at: Date.now(), instance: f.instance ?? '' })
  })
  // (A getter: Object.assign would copy its value once.)
  return Object.defineProperties(client as typeof client & { welcomes: typeof welcomes, instance: string | undefined }, {
    welcomes: { value: welcomes },
    /** The instance of the current (last) connection. */
    instance: { get: () => welcomes.at(-1)?.instance },
  })
}

/** Two writers in conversation: the sides for tests/support/conversation.ts. */
export function pairSides(a: ReturnType<typeof proxiedClient>, b: ReturnType<typeof proxiedClient>, aUser: TestUser, bUser: TestUser, tag: string): Side[] {
  return [
    { client: a, peer: bUser.id, prefix: `${tag}a`, peerPrefix: `${tag}b` },
    { client: b, peer: aUser.id, prefix: `${tag}b`, peerPrefix: `${tag}a` },
  ]
}

/**
 * A TCP relay in front of Redis that a test can cut and restore, to play a network outage between
 * one instance and Redis.
 */
export class CuttableLink {
  readonly #sockets = new Set<Socket>()
  readonly #pairs = new Set<[Socket, Socket]>()
  #server: Server | undefined
  constructor(readonly port: number, readonly target = new URL(TEST_REDIS_URL)) {}

  get url() {
    return `redis://127.0.0.1:${this.port}`
  }

  restore(): Promise<void> {
    this.#server = createNetServer((client) => {
      const upstream = connect(Number(this.target.port || 6379), this.target.hostname)
      for (const s of [client, upstream]) {
        this.#sockets.add(s)
        s.on('error', () => {})
        s.on('close', () => {
          this.#sockets.delete(s)
          client.destroy()
          upstream.destroy()
        })
      }
      const pair: [Socket, Socket] = [client, upstream]
      this.#pairs.add(pair)
      client.on('close', () => this.#pairs.delete(pair))
      client.pipe(upstream).pipe(client)
    })
    return new Promise(resolve => this.#server!.listen(this.port, '127.0.0.1', () => resolve()))
  }

  /**
   * Hangs every connection open now, half-open: nothing more passes either way and nobody is told
   * (a dead NAT entry, a frozen peer). New connections still go through.
   */
  freeze(): void {
    for (const [client, upstream] of this.#pairs) {
      client.unpipe(upstream)
      upstream.unpipe(client)
      client.pause()
      upstream.pause()
    }
    this.#pairs.clear()
  }

  /** Drops every connection through the link and refuses new ones until `restore()`. */
  cut(): Promise<void> {
    for (const s of this.#sockets) s.destroy()
    return new Promise(resolve => this.#server ? this.#server.close(() => resolve()) : resolve())
  }
}

export interface TestInstances {
  instances: ServerProcess[]
  /** Stops every instance, then removes their folders and drops the database. */
  stop(): Promise<void>
}

/**
 * `count` production instances on one fresh PostgreSQL database and a fresh Redis prefix, without a
 * proxy: a test that places each socket on a chosen instance connects to it directly.
 */
export async function startInstances(count: number, env: Record<string, string> = {}): Promise<TestInstances> {
  const database = await testDatabaseEnv()
  if (!database.NUXT_DATABASE_URL) throw new Error('The cluster tests need PostgreSQL: run them with `npm run test:cluster`.')
  const shared = {
    ...UNLIMITED,
    NUXT_REDIS_URL: TEST_REDIS_URL,
    NUXT_REDIS_PREFIX: `jizhan-test:${randomBytes(4).toString('hex')}:`,
    NUXT_SESSION_SECRET: randomBytes(32).toString('hex'),
    ...env,
  }
  const instances: ServerProcess[] = []
  for (let i = 0; i < count; i++) instances.push(new ServerProcess(await freePort(), shared))
  const stop = async () => {
    await Promise.all(instances.map(s => s.dispose()))
    await dropTestDatabase(database.NUXT_DATABASE_URL)
  }
  try {
    await startInOrder(instances, database)
    return { instances, stop }
  }
  catch (error) {
    await stop()
    throw error
  }
}
