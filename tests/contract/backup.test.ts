import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import SQLite from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { UNLIMITED, rootDir } from '../support/server'
import { ServerProcess, freePort } from '../support/serverProcess'
import { makeTempDir, removeTempDir } from '../support/tempDir'
import { connectSynced } from '../support/wsClient'
import type { Frame } from '../support/wsClient'

// `npm run backup` copies the embedded SQLite database: this file runs on SQLite even where the
// other contract tests run on PostgreSQL (`npm run test:cluster`), so no test database is made.
const SQLITE = { ...UNLIMITED, NUXT_DATABASE_URL: '' }
const MESSAGES = 300
const work = makeTempDir('backup')
const servers: ServerProcess[] = []
const restoredDir = makeTempDir('restored')
afterAll(async () => {
  await Promise.all(servers.map(s => s.dispose()))
  removeTempDir(restoredDir)
  removeTempDir(work)
})

async function serverOn(env: Record<string, string> = {}): Promise<ServerProcess> {
  const server = new ServerProcess(await freePort(), { ...SQLITE, ...env })
  server.database = {}
  servers.push(server)
  await server.start()
  return server
}

interface Run { code: number | null, stdout: string, stderr: string }

/** Runs the backup command as an operator would, to its end. */
function backup(args: string[], env: Record<string, string>, command: 'node' | 'npm' = 'node'): Promise<Run> {
  const [file, argv] = command === 'npm'
    ? ['npm', ['run', '--silent', 'backup', '--', ...args]]
    : [process.execPath, [join(rootDir, 'scripts/backup.mjs'), ...args]]
  return new Promise((resolve) => {
    const proc = spawn(file, argv, { cwd: rootDir, env: { ...process.env, NUXT_DATABASE_URL: '', NUXT_SESSION_SECRET: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    proc.stdout.on('data', d => (stdout += d))
    proc.stderr.on('data', d => (stderr += d))
    proc.once('exit', code => resolve({ code, stdout, stderr }))
  })
}

/** Every message of a direct conversation over HTTP, oldest first (pages of 100 back from the newest). */
async function history(url: string, cookie: string, peer: number): Promise<Array<{ seq: number, cid?: string }>> {
  const all: Array<{ seq: number, cid?: string }> = []
  let before: number | undefined
  for (;;) {
    const res = await fetch(`${url}/api/conversations/${peer}/messages?limit=100${before ? `&before=${before}` : ''}`, { headers: { cookie } })
    expect(res.status).toBe(200)
    const { messages } = await res.json() as { messages: Array<{ seq: number, cid?: string }> }
    if (messages.length === 0) return all
    all.unshift(...messages)
    before = messages[0]!.seq
  }
}

const integrity = (file: string) => {
  const db = new SQLite(file, { readonly: true, fileMustExist: true })
  try {
    return db.pragma('integrity_check', { simple: true })
  }
  finally {
    db.close()
  }
}

describe('npm run backup', () => {
  let dataDir = ''

  it('copies the database during a stream of messages, and a server restored from the copy has every message acknowledged before it, once', async () => {
    const server = await serverOn()
    dataDir = server.dataDir
    const [alice, bob] = await Promise.all([registerUser(server.url), registerUser(server.url)])
    const wsUrl = `${server.url.replace(/^http/, 'ws')}/_ws`
    const { client: a } = await connectSynced(wsUrl, alice.cookie)
    const acked = new Set<string>()
    a.ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Frame
      if (frame.type === 'ack') acked.add(frame.cid as string)
    })

    // 300 messages over about 2 s; the backup starts in the middle, as a separate process.
    const file = join(work, 'jizhan-backup.sqlite')
    let ackedBeforeBackup = new Set<string>()
    let running: Promise<Run> | undefined
    for (let i = 0; i < MESSAGES; i++) {
      if (i === MESSAGES / 2) {
        ackedBeforeBackup = new Set(acked)
        running = backup([file], { NUXT_DATA_DIR: dataDir })
      }
      a.send({ type: 'send', cid: `m${i}`, to: bob.id, text: `message ${i}` })
      if (i % 3 === 2) await new Promise(r => setTimeout(r, 20))
    }
    const run = await running!
    for (let i = 0; acked.size < MESSAGES && i < 200; i++) await new Promise(r => setTimeout(r, 50))
    expect(acked.size).toBe(MESSAGES)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/wrote .*jizhan-backup\.sqlite: [\d.]+ MB, \d+ pages of \d+ bytes, 2 users, \d+ messages, .*integrity_check ok/)
    expect(run.stdout).toContain('jizhan-backup.sqlite.session-secret')
    // It ran in the middle: some acknowledged before it started, not all.
    expect(ackedBeforeBackup.size).toBeGreaterThan(0)
    expect(ackedBeforeBackup.size).toBeLessThan(MESSAGES)
    a.close()
    await server.kill('SIGTERM')

    // Restore into a fresh data folder: the file and the session secret, nothing else.
    expect(integrity(file)).toBe('ok')
    copyFileSync(file, join(restoredDir, 'jizhan.sqlite'))
    copyFileSync(`${file}.session-secret`, join(restoredDir, 'session-secret'))
    const restored = await serverOn({ NUXT_DATA_DIR: restoredDir })
    // The session secret came along: the sessions of before the backup still work.
    expect((await fetch(`${restored.url}/api/auth/session`, { headers: { cookie: alice.cookie } })).status).toBe(200)

    const messages = await history(restored.url, alice.cookie, bob.id)
    const cids = messages.map(m => m.cid)
    for (const cid of ackedBeforeBackup) expect(cids.filter(c => c === cid)).toHaveLength(1)
    // One moment's copy: the conversation up to some message, with no gap and nothing twice.
    expect(messages.map(m => m.seq)).toEqual(messages.map((_, i) => i + 1))
    expect(cids).toEqual(messages.map((_, i) => `m${i}`))
    console.log(`[backup test] sent ${MESSAGES}; acknowledged before the backup started: ${ackedBeforeBackup.size}; in the copy: ${messages.length}`)

    // The recipient's stream was copied with it: resuming from the start replays those messages.
    const { client: b } = await connectSynced(`${restored.url.replace(/^http/, 'ws')}/_ws`, bob.cookie)
    b.send({ type: 'resume', cursor: 0 })
    const texts: unknown[] = []
    for (let frame = await b.next(); frame.type !== 'synced'; frame = await b.next()) {
      if (frame.type === 'message') texts.push(frame.text)
    }
    expect(texts).toEqual(messages.map((_, i) => `message ${i}`))
    b.close()
    await restored.kill('SIGTERM')
    expect(integrity(join(restoredDir, 'jizhan.sqlite'))).toBe('ok')
  }, 60_000)

  it('refuses a PostgreSQL deployment, pointing to pg_dump', async () => {
    const file = join(work, 'pg.sqlite')
    const run = await backup([file], { NUXT_DATA_DIR: dataDir, NUXT_DATABASE_URL: 'postgres://jizhan@127.0.0.1:5432/jizhan' })
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/NUXT_DATABASE_URL or NITRO_DATABASE_URL is set.*pg_dump/)
    expect(existsSync(file)).toBe(false)
  })

  it('reads the settings as the server does: a NITRO_DATABASE_URL is refused too, a NITRO_DATA_DIR is where the database is', async () => {
    const file = join(work, 'nitro.sqlite')
    const pg = await backup([file], { NUXT_DATA_DIR: dataDir, NITRO_DATABASE_URL: 'postgres://jizhan@127.0.0.1:5432/jizhan' })
    expect(pg.code).toBe(2)
    expect(pg.stderr).toMatch(/PostgreSQL.*pg_dump/)
    expect(existsSync(file)).toBe(false)
    // Settings the server would refuse stop the backup as well.
    const invalid = await backup([file], { NUXT_DATA_DIR: dataDir, NUXT_DATABASE_URL: 'mysql://x' })
    expect(invalid).toMatchObject({ code: 2, stderr: expect.stringMatching(/NUXT_DATABASE_URL=\(hidden\) is not allowed/) })
    // NITRO_ comes before NUXT_, as in the server.
    const copied = await backup([file], { NITRO_DATA_DIR: dataDir, NUXT_DATA_DIR: join(work, 'not-there') })
    expect(copied.code, copied.stderr).toBe(0)
    expect(integrity(file)).toBe('ok')
  }, 30_000)

  it('refuses to replace an existing file unless given --force', async () => {
    const file = join(work, 'existing.sqlite')
    writeFileSync(file, 'an older backup')
    const refused = await backup([file], { NUXT_DATA_DIR: dataDir }, 'npm')
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(`${file} already exists; pass --force to replace it`)
    expect(readFileSync(file, 'utf8')).toBe('an older backup')

    const forced = await backup([file, '--force'], { NUXT_DATA_DIR: dataDir }, 'npm')
    expect(forced.code).toBe(0)
    expect(integrity(file)).toBe('ok')
  }, 30_000)

  it('refuses a data folder that holds no database', async () => {
    const empty = makeTempDir('empty')
    try {
      const run = await backup([join(work, 'none.sqlite')], { NUXT_DATA_DIR: empty })
      expect(run.code).toBe(2)
      expect(run.stderr).toContain(`no database at ${join(empty, 'jizhan.sqlite')}`)
      expect(existsSync(join(work, 'none.sqlite'))).toBe(false)
    }
    finally {
      removeTempDir(empty)
    }
  })
})
