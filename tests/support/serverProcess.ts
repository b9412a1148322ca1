import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { dropTestDatabase, testDatabaseEnv } from './database'
import { rootDir } from './server'
import { makeTempDir, removeTempDir } from './tempDir'

/** A free TCP port on 127.0.0.1 (so a restarted server can come back on the same address). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

/**
 * The production build as a child process this test controls (kill -9 included), unlike
 * @nuxt/test-utils' server which it restarts gracefully. Its data folder (made here unless `env`
 * names one) and its test database (unless given one) live as long as this object: `dispose()`
 * stops the process and removes them.
 */
export class ServerProcess {
  proc: ChildProcess | undefined
  log = ''
  database: Record<string, string> | undefined
  readonly env: Record<string, string>
  readonly #ownsDataDir: boolean
  #ownsDatabase = false
  constructor(readonly port: number, env: Record<string, string> = {}) {
    this.#ownsDataDir = !env.NUXT_DATA_DIR
    this.env = { ...env, NUXT_DATA_DIR: env.NUXT_DATA_DIR ?? makeTempDir('server') }
  }

  get dataDir(): string {
    return this.env.NUXT_DATA_DIR!
  }

  get url() {
    return `http://127.0.0.1:${this.port}`
  }

  async start(timeoutMs = 20_000): Promise<void> {
    // One database for the life of this object: a restart must find the same data.
    if (!this.database) {
      this.database = await testDatabaseEnv()
      this.#ownsDatabase = true
    }
    this.proc = spawn(process.execPath, [join(rootDir, '.output/server/index.mjs')], {
      env: { ...process.env, PORT: String(this.port), HOST: '127.0.0.1', ...this.database, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.proc.stdout!.on('data', (d: Buffer) => (this.log += d))
    this.proc.stderr!.on('data', (d: Buffer) => (this.log += d))
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`server exited with ${this.proc.exitCode}:\n${this.log}`)
      try {
        const res = await fetch(`${this.url}/api/auth/session`)
        if (res.status === 401) return
      }
      catch {
        // not listening yet
      }
      await new Promise(r => setTimeout(r, 100))
    }
    throw new Error(`server did not start within ${timeoutMs} ms:\n${this.log}`)
  }

  /** Kills the process with the signal and waits for it to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = this.proc
    // Already gone: exited (exitCode) or killed (signalCode), e.g. by an earlier SIGKILL.
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve())
      proc.kill(signal)
    })
  }

  /** Kills the process, then removes the data folder and drops the database this object made. */
  async dispose(): Promise<void> {
    await this.kill()
    if (this.#ownsDataDir) removeTempDir(this.dataDir)
    if (this.#ownsDatabase) await dropTestDatabase(this.database?.NUXT_DATABASE_URL)
  }
}

/** How a server process that was expected to stop on its own ended. */
export interface Exited { code: number | null, signal: NodeJS.Signals | null, output: string, timedOut: boolean }

/**
 * Runs the production build with `env` (and `args`, e.g. `--check`) until it exits by itself, or
 * kills it after `timeoutMs` (then `timedOut`): for start-ups that must stop, not serve.
 */
export function runUntilExit(env: Record<string, string>, args: string[] = [], timeoutMs = 15_000): Promise<Exited> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [join(rootDir, '.output/server/index.mjs'), ...args], {
      env: { ...process.env, HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    proc.stdout!.on('data', (d: Buffer) => (output += d))
    proc.stderr!.on('data', (d: Buffer) => (output += d))
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      proc.kill('SIGKILL')
    }, timeoutMs)
    proc.once('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, output, timedOut })
    })
  })
}

/** Holds a TCP port (as another program would) until `close()`; `host` '::' holds it on every address. */
export function occupyPort(host = '127.0.0.1'): Promise<{ port: number, close: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, host, () => {
      const { port } = srv.address() as { port: number }
      resolve({ port, close: () => new Promise(r => srv.close(() => r())) })
    })
  })
}
