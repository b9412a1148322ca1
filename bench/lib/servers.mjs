import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/**
 * The servers under test and how to run each: a child process (two for `jizhan-cluster`) on
 * 127.0.0.1 and a free port, preloaded with memProbe.mjs (memory on SIGUSR2) and optionally
 * CPU-profiled.
 */
export const ROOT = new URL('../..', import.meta.url).pathname

/**
 * Limits Jizhan enforces in production that would refuse the bench's own traffic: every
 * connection comes from 127.0.0.1, users send thousands of messages a second and hold many sockets
 * each. Everything else (auth, Origin check, validation, frame size, slow-consumer cap, durability
 * with synchronous=FULL) stays as shipped.
 */
export const JIZHAN_LIFTED_LIMITS = {
  NUXT_WS_FRAMES_PER_SECOND: '1000000',
  NUXT_WS_FRAMES_BURST: '1000000',
  NUXT_MESSAGES_PER_SECOND: '1000000',
  NUXT_MESSAGES_BURST: '1000000',
  NUXT_UPGRADES_PER_SECOND: '1000000',
  NUXT_UPGRADES_BURST: '1000000',
  NUXT_WS_MAX_CONNECTIONS_PER_USER: '1000',
  NUXT_LOGIN_ATTEMPTS_PER_USERNAME_PER_MINUTE: '1000000',
  NUXT_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: '1000000',
  NUXT_GROUP_CHANGES_PER_MINUTE: '1000000',
  NUXT_GROUP_PEOPLE_PER_MINUTE: '1000000',
}

/**
 * `client`: the protocol the bench speaks to it (clients.mjs; default: the kind). `persistent`: keeps
 * its data (and registered users) across restarts. `needs`: external services (services.mjs), each
 * a fresh database / key prefix. `relayOnly`: only the relay scenario runs on it. `instances`: how
 * many processes share the work (a pair's sender connects to the first, its recipient to the last).
 */
export const SERVERS = {
  'ws': { label: 'raw ws', entry: 'bench/servers/ws.mjs' },
  'socketio': { label: 'Socket.IO 4.8', entry: 'bench/servers/socketio.mjs' },
  'bare-nitro': { label: 'bare Nitro', entry: 'bench/servers/bare-nitro/.output/server/index.mjs' },
  'jizhan': { label: 'Jizhan', client: 'jizhan', entry: '.output/server/index.mjs', env: JIZHAN_LIFTED_LIMITS, persistent: true },
  'jizhan-pg': { label: 'Jizhan on PostgreSQL', client: 'jizhan', entry: '.output/server/index.mjs', env: JIZHAN_LIFTED_LIMITS, persistent: true, needs: ['postgres'], relayOnly: true },
  'jizhan-cluster': { label: 'Jizhan, 2 instances on PostgreSQL + Redis', client: 'jizhan', entry: '.output/server/index.mjs', env: JIZHAN_LIFTED_LIMITS, persistent: true, needs: ['postgres', 'redis'], relayOnly: true, instances: 2 },
}

/** The process(es) of one server kind: a `ServerUnderTest`, or a `ClusterUnderTest` of several. */
export function serverUnderTest(kind, options = {}) {
  return (SERVERS[kind].instances ?? 1) > 1 ? new ClusterUnderTest(kind, options) : new ServerUnderTest(kind, options)
}

/** A free TCP port on 127.0.0.1 (asked from the OS, never fixed). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

const sleep = ms => new Promise(r => setTimeout(r, ms))

/**
 * One server under test. A Jizhan instance keeps its data folder (fresh SQLite) and port for its
 * whole life, so `restart()` finds the same users and sessions — as after a real crash.
 */
export class ServerUnderTest {
  /** `env`: added to the spec's (a database URL, Redis settings). */
  constructor(kind, { profileDir, env = {} } = {}) {
    this.kind = kind
    this.spec = SERVERS[kind]
    this.client = this.spec.client ?? kind
    this.profileDir = profileDir
    this.env = env
    this.memFile = join(mkdtempSync(join(tmpdir(), 'jizhan-bench-mem-')), 'mem.json')
    this.dataDir = this.spec.persistent ? mkdtempSync(join(tmpdir(), 'jizhan-bench-data-')) : undefined
    this.log = ''
  }

  get url() {
    return `http://127.0.0.1:${this.port}`
  }

  get pid() {
    return this.proc?.pid
  }

  /** Where senders connect, and recipients (the same here; two instances in a cluster). */
  get urls() {
    return [this.url]
  }

  get pids() {
    return [this.pid]
  }

  async start(timeoutMs = 30_000) {
    this.port ??= await freePort()
    const execArgv = ['--expose-gc', '--import', join(ROOT, 'bench/lib/memProbe.mjs')]
    if (this.profileDir) execArgv.push('--cpu-prof', '--cpu-prof-dir', this.profileDir)
    this.log = ''
    this.proc = spawn(process.execPath, [...execArgv, join(ROOT, this.spec.entry)], {
      cwd: ROOT,
      env: {
        ...process.env, NODE_ENV: 'production', PORT: String(this.port), HOST: '127.0.0.1',
        BENCH_MEM_FILE: this.memFile, NUXT_DATA_DIR: this.dataDir ?? '', NUXT_DATABASE_URL: '',
        ...this.spec.env, ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const keep = d => void (this.log = (this.log + d).slice(-20_000))
    this.proc.stdout.on('data', keep)
    this.proc.stderr.on('data', keep)
    const proc = this.proc
    proc.once('exit', (code, signal) => {
      // Say at once when a server dies under load (or is killed from outside): the scenario then
      // fails with only a connection error.
      if (!proc.stopping) console.error(`[bench] ${this.kind} (pid ${proc.pid}) exited by itself: ${signal ?? `code ${code}`}\n${this.log.slice(-2000)}`)
    })
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) break
      try {
        await fetch(`${this.url}/api/health/ready`)
        return
      }
      catch {
        await sleep(50)
      }
    }
    this.proc.kill('SIGKILL')
    throw new Error(`${this.kind} did not start:\n${this.log}`)
  }

  /** Server memory after two full GCs: { rss, heapUsed, … } in bytes. */
  async memory() {
    rmSync(this.memFile, { force: true })
    this.proc.kill('SIGUSR2')
    for (let i = 0; i < 200; i++) {
      await sleep(25)
      try {
        return JSON.parse(readFileSync(this.memFile, 'utf8'))
      }
      catch {
        // not written yet
      }
    }
    throw new Error(`${this.kind}: no memory report`)
  }

  /** Stops the process (SIGTERM: graceful, writes the CPU profile; SIGKILL: a crash). */
  async stop(signal = 'SIGTERM') {
    const proc = this.proc
    // Gone already: exited (exitCode) or killed (signalCode). Waiting for 'exit' would never end.
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    proc.stopping = true
    await new Promise((resolve) => {
      proc.once('exit', resolve)
      proc.kill(signal)
      setTimeout(() => proc.kill('SIGKILL'), 10_000).unref()
    })
  }

  /** Removes this server's temporary folders (data, memory report). */
  cleanup() {
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true })
    rmSync(dirname(this.memFile), { recursive: true, force: true })
  }
}

/**
 * Several instances of one kind on shared services (one database, one Redis prefix, one session
 * secret, all in `env`), started one after the other (the first applies the migrations). Sessions
 * live in the database, so a user registered on one instance is signed in on every one.
 */
export class ClusterUnderTest {
  constructor(kind, options = {}) {
    this.kind = kind
    this.spec = SERVERS[kind]
    this.client = this.spec.client ?? kind
    this.instances = Array.from({ length: this.spec.instances }, () => new ServerUnderTest(kind, options))
  }

  get url() {
    return this.instances[0].url
  }

  get urls() {
    return this.instances.map(i => i.url)
  }

  get pids() {
    return this.instances.map(i => i.pid)
  }

  get log() {
    return this.instances.map((i, n) => `--- instance ${n + 1}\n${i.log}`).join('\n')
  }

  async start(timeoutMs) {
    for (const instance of this.instances) await instance.start(timeoutMs)
  }

  async stop(signal) {
    await Promise.all(this.instances.map(i => i.stop(signal)))
  }

  cleanup() {
    for (const instance of this.instances) instance.cleanup()
  }
}
