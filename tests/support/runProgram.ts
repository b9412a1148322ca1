import { spawn } from 'node:child_process'

/** What a program run to its end gave: its exit code, its output, and when it ended (ms since the epoch). */
export interface ProgramRun { code: number | null, out: string, err: string, endedAt: number }

/** Runs a Node program (a script path and its arguments) with `env` added, `stdin` written to it, to its end. */
export function runProgram(script: string, args: string[], { env = {}, stdin = '' }: { env?: Record<string, string | undefined>, stdin?: string } = {}): Promise<ProgramRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d))
    child.stderr.on('data', (d: Buffer) => (err += d))
    child.on('error', reject)
    child.on('close', code => resolve({ code, out, err, endedAt: Date.now() }))
    child.stdin.end(stdin)
  })
}
