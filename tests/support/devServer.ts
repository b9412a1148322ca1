import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { rootDir } from './server'
import { makeTempDir, removeTempDir } from './tempDir'

/** Variables by which nuxi (std-env's `isTest`) would think it runs under a test runner and not fork. */
const TEST_RUNNER_ENV = /^(?:VITEST.*|TEST|NODE_ENV|JEST_WORKER_ID)$/

/**
 * `nuxi dev` as a developer runs it (`npm run dev`: forked, not in test mode) on its own port, with
 * its own data folder and temp folder, in its own process group so that stopping it stops its forks.
 */
export class DevServer {
  proc: ChildProcess | undefined
  log = ''
  /** Holds `data/` (NUXT_DATA_DIR) and `tmp/` (TMPDIR of nuxi and of the browsers a test starts). */
  readonly dir = makeTempDir('dev')
  readonly tmp = join(this.dir, 'tmp')
  constructor(readonly port: number, readonly env: Record<string, string> = {}) {}

  get url() {
    return `http://127.0.0.1:${this.port}`
  }

  /** Starts nuxi and waits until it renders the sign-in page (the first render builds the app). */
  async start(timeoutMs = 150_000): Promise<void> {
    mkdirSync(this.tmp)
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !TEST_RUNNER_ENV.test(name)))
    this.proc = spawn(process.execPath, [join(rootDir, 'node_modules/.bin/nuxi'), 'dev', '--port', String(this.port), '--host', '127.0.0.1'], {
      cwd: rootDir,
      detached: true,
      env: { ...inherited, TMPDIR: this.tmp, NUXT_DATA_DIR: join(this.dir, 'data'), NUXT_TELEMETRY_DISABLED: '1', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.proc.stdout!.on('data', (d: Buffer) => (this.log += d))
    this.proc.stderr!.on('data', (d: Buffer) => (this.log += d))
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`nuxi dev exited with ${this.proc.exitCode}:\n${this.log}`)
      try {
        if ((await fetch(`${this.url}/login`)).status === 200) return
      }
      catch {
        // not listening yet
      }
      await new Promise(r => setTimeout(r, 250))
    }
    throw new Error(`nuxi dev did not serve /login within ${timeoutMs} ms:\n${this.log}`)
  }

  /** Stops nuxi and its forks (SIGTERM, then SIGKILL after 5 s), then removes its folder. */
  async dispose(): Promise<void> {
    const proc = this.proc
    if (proc?.pid && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise(resolve => proc.once('exit', resolve))
      killGroup(proc.pid, 'SIGTERM')
      await Promise.race([exited, new Promise(r => setTimeout(r, 5_000))])
    }
    if (proc?.pid) killGroup(proc.pid, 'SIGKILL')
    removeTempDir(this.dir)
  }
}

/** Signals a whole process group; one already gone is fine. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  }
  catch {
    // no such group any more
  }
}
