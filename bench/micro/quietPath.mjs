#!/usr/bin/env node
// Where a quiet server's ack latency goes: on one idle Jizhan build, one pair, one frame at a time,
// alternately a `ping` (answered without storage: transport, parsing, the connection's queue) and a
// `send` (the same, plus the hand-off to the writer thread, SQL, the commit's fsync, and back).
// The difference is the storage path; run it under both NUXT_SQLITE_SYNCHRONOUS settings to see the
// fsync's share.
//   node bench/micro/quietPath.mjs [build root, default .] [FULL|NORMAL, default FULL] [port] [subprotocol]
// Prints p50/p90 of 140 rounds (the first 10 are warm-up). 127.0.0.1 only; the server is a child
// process with a fresh data folder, removed at the end.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import WebSocket from 'ws'

const root = resolve(process.argv[2] ?? '.')
const sync = process.argv[3] ?? 'FULL'
const port = Number(process.argv[4] ?? 3990)
const protocol = process.argv[5] ?? 'jizhan.v1'
const ROUNDS = 150
const WARMUP = 10

const dataDir = mkdtempSync(join(tmpdir(), 'jizhan-quiet-'))
const server = spawn(process.execPath, [join(root, '.output/server/index.mjs')], {
  env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', NUXT_DATA_DIR: dataDir, NUXT_SQLITE_SYNCHRONOUS: sync },
  stdio: 'ignore',
})
const base = `http://127.0.0.1:${port}`
const sleep = ms => new Promise(r => setTimeout(r, ms))

try {
  for (let i = 0; ; i++) {
    if (i === 100) throw new Error(`the server did not become ready on ${base}`)
    if (await fetch(`${base}/api/health/ready`).then(r => r.ok, () => false)) break
    await sleep(100)
  }
  const register = async (name) => {
    const res = await fetch(`${base}/api/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: name, password: 'password123' }) })
    const { user } = await res.json()
    return { ...user, cookie: res.headers.get('set-cookie').split(';')[0] }
  }
  const suffix = String(Date.now() % 1e6)
  const [alice, bob] = [await register(`qa${suffix}`), await register(`qb${suffix}`)]

  /** A socket whose frames queue up with their arrival time; `next(type)` takes the first of a type. */
  const open = user => new Promise((resolveOpen, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/_ws`, [protocol], { headers: { cookie: user.cookie, origin: base } })
    const queue = []
    let wake = () => {}
    ws.on('message', (data) => {
      queue.push({ frame: JSON.parse(data.toString()), at: performance.now() })
      wake()
    })
    const next = async (type) => {
      for (;;) {
        const i = queue.findIndex(x => x.frame.type === type)
        if (i >= 0) return queue.splice(i, 1)[0]
        await new Promise(r => (wake = r))
      }
    }
    ws.on('open', () => resolveOpen({ ws, next }))
    ws.on('error', reject)
  })
  const [a, b] = [await open(alice), await open(bob)]
  for (const c of [a, b]) {
    const { frame } = await c.next('welcome')
    c.ws.send(JSON.stringify(protocol === 'jizhan.v1' ? { type: 'resume', cursor: frame.head } : { type: 'resume', conversations: [] }))
    await c.next('synced')
  }

  const pongs = []
  const acks = []
  const deliveries = []
  for (let i = 0; i < ROUNDS; i++) {
    // Paced under the default limits (10 messages and 30 frames a second).
    await sleep(60)
    let t0 = performance.now()
    a.ws.send('{"type":"ping"}')
    pongs.push((await a.next('pong')).at - t0)
    await sleep(60)
    t0 = performance.now()
    const delivered = b.next('message')
    a.ws.send(JSON.stringify({ type: 'send', cid: `q${i}`, to: bob.id, text: 'quiet' }))
    acks.push((await a.next('ack')).at - t0)
    deliveries.push((await delivered).at - t0)
  }
  const pct = (xs, q) => {
    const s = xs.slice(WARMUP).sort((x, y) => x - y)
    return s[Math.min(s.length - 1, Math.floor(s.length * q))].toFixed(2)
  }
  console.log(`synchronous=${sync}: ping→pong p50 ${pct(pongs, 0.5)} ms (p90 ${pct(pongs, 0.9)}); `
    + `send→ack p50 ${pct(acks, 0.5)} ms (p90 ${pct(acks, 0.9)}); send→delivery p50 ${pct(deliveries, 0.5)} ms; `
    + `storage path ≈ ${(pct(acks, 0.5) - pct(pongs, 0.5)).toFixed(2)} ms`)
  a.ws.close()
  b.ws.close()
}
finally {
  server.kill('SIGTERM')
  await new Promise(r => server.once('exit', r))
  rmSync(dataDir, { recursive: true, force: true })
}
