import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/**
 * The four servers under test and how to run each: a child process on 127.0.0.1 and a free port,
 * preloaded with memProbe.mjs (memory on SIGUSR2) and optionally CPU-profiled.
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
}

export const SERVERS = {
  'ws': { label: 'raw ws', entry: 'bench/servers/ws.mjs' },
  'socketio': { label: 'Socket.IO 4.8', entry: 'bench/servers/socketio.mjs' },
  'bare-nitro': { label: 'bare Nitro', entry: 'bench/servers/bare-nitro/.output/server/index.mjs' },
  'jizhan': { label: 'Jizhan', entry: '.output/server/index.mjs', env: JIZHAN_LIFTED_LIMITS, persistent: true },
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
  constructor(kind, { profileDir } = {}) {
    this.kind = kind
    this.spec = SERVERS[kind]
    this.profileDir = profileDir
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
        ...this.spec.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const keep = d => void (this.log = (this.log + d).slice(-20_000))
    this.proc.stdout.on('data', keep)
    this.proc.stderr.on('data', keep)
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
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    await new Promise((resolve) => {
      proc.once('exit', resolve)
      proc.kill(signal)
      setTimeout(() => proc.kill('SIGKILL'), 10_000).unref()
    })
  }

  /** Removes the temp folders; call after stop(). */
  cleanup() {
    rmSync(dirname(this.memFile), { recursive: true, force: true })
    if (this.dataDir) rmSync(this.dataDir, { recursive: true, force: true })
  }
}
