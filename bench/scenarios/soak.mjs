import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { registerUsers } from '../lib/accounts.mjs'
import { buildAll } from '../lib/build.mjs'
import { ROOT, serverUnderTest } from '../lib/servers.mjs'
import { mb, soakVerdicts } from '../lib/soakChecks.mjs'
import { startWorkers } from '../lib/workers.mjs'

/**
 * The soak (`npm run bench -- --soak [--minutes N]`, default 15; not in `npm test`): the production
 * build on its embedded default (SQLite, limits lifted as for the bench, everything else as
 * shipped) under churn for N minutes — devices leaving and coming back, tabs opened for seconds,
 * messages and receipts, a reconnect burst every 3 minutes, a slow consumer cut off (4009) every
 * 90 s (workers/soakWorker.mjs). Each minute: the server's RSS, heap used after a forced GC,
 * active resources and event-loop delay (memProbe.mjs, preloaded: SIGUSR2), its open file
 * descriptors (/proc/PID/fd) and the database's size (file + WAL). Then the load stops, every device
 * catches up, and soakChecks.mjs gives the verdicts. Writes bench/results/soak-<time>.json; false
 * when a verdict failed.
 */
export const SOAK_PLAN = {
  users: 80, // 120 devices: even users have two
  messagesPerSecond: 20,
  onlineMeanS: 60,
  offlineMeanS: 10,
  ephemeralPerSecond: 1,
  firstBurstS: 90,
  burstEveryS: 180,
  burstShare: 0.3,
  firstSlowS: 75,
  slowEveryS: 90,
  floodMax: 3000,
  floodText: 3900,
}

const sleep = ms => new Promise(r => setTimeout(r, ms))

function fileSize(file) {
  return existsSync(file) ? statSync(file).size : 0
}

/** /metrics is on during the soak (a leak in it would show); a scrape a minute, as Prometheus would. */
const METRICS_TOKEN = `soak-${randomBytes(12).toString('hex')}`

/**
 * The number of Jizhan's series /metrics serves, or undefined when it fails. (Node's default
 * metrics may add a series when a new kind of GC or resource first appears: bounded, not fixed.)
 */
async function metricSeries(server) {
  try {
    const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
    if (!response.ok) return undefined
    return (await response.text()).split('\n').filter(line => line.startsWith('jizhan_')).length
  }
  catch {
    return undefined
  }
}

/** One reading of the server (and of the clients, when `worker` is given). */
async function sample(server, worker, minute) {
  const metricSeriesCount = await metricSeries(server)
  const memory = await server.memory()
  const status = worker ? await worker.call(0, { cmd: 'status' }) : undefined
  const db = join(server.dataDir, 'jizhan.sqlite')
  return {
    minute,
    at: new Date().toISOString(),
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    heapTotal: memory.heapTotal,
    external: memory.external,
    activeResources: Object.values(memory.resources).reduce((s, n) => s + n, 0),
    resources: memory.resources,
    loopDelayMs: memory.loopDelayMs,
    fds: readdirSync(`/proc/${server.pid}/fd`).length,
    dbBytes: fileSize(db),
    walBytes: fileSize(`${db}-wal`),
    metricSeries: metricSeriesCount,
    openSockets: status?.openSockets ?? 0,
    liveDevices: status?.live,
    acked: status?.acked,
  }
}

const ms = x => (x === undefined ? '–' : x.toFixed(1))
const line = s => `rss ${mb(s.rss)} MB, heap ${mb(s.heapUsed)} MB, loop delay p50/p99/max ${ms(s.loopDelayMs?.p50)}/${ms(s.loopDelayMs?.p99)}/${ms(s.loopDelayMs?.max)} ms, `
  + `fds ${s.fds} (${s.openSockets} client sockets), active resources ${s.activeResources}, db ${mb(s.dbBytes)} MB + WAL ${mb(s.walBytes)} MB, ${s.acked ?? 0} messages acknowledged`

export async function runSoak({ minutes, log, out, track, plan = SOAK_PLAN }) {
  const startedAt = Date.now()
  await buildAll({ log, kinds: ['jizhan'] })
  // Metrics on and scraped, retention on (nothing is old enough to go; its schedule runs): what a
  // production instance runs beside the relay.
  const server = serverUnderTest('jizhan', { env: { BENCH_LOOP_DELAY: '1', NUXT_METRICS_TOKEN: METRICS_TOKEN, NUXT_MESSAGE_RETENTION_DAYS: '30' } })
  track(server)
  const worker = startWorkers(join(ROOT, 'bench/workers/soakWorker.mjs'), 1)
  let exited
  try {
    await server.start()
    server.proc.once('exit', (code, signal) => (exited = signal ?? `code ${code}`))
    log(`soak: registering ${plan.users} users…`)
    const users = await registerUsers(server.url, plan.users, { prefix: 's' })
    // The registrations' keep-alive connections end first (the server's keep-alive timeout is 5 s).
    await sleep(6000)
    const before = await sample(server)
    const { devices } = await worker.call(0, { cmd: 'start', url: server.url, users, plan })
    log(`soak: ${devices} devices of ${users.length} users connected; ${minutes} minutes of churn from now`)
    await worker.call(0, { cmd: 'begin' })
    const t0 = Date.now()
    const samples = []
    for (let minute = 1; minute <= minutes && !exited; minute++) {
      await sleep(t0 + minute * 60_000 - Date.now())
      const s = await sample(server, worker, minute)
      samples.push(s)
      log(`soak minute ${minute}: ${line(s)}`)
    }
    if (exited) {
      log(`soak: the server exited (${exited}) after minute ${samples.length}:\n${server.log.slice(-2000)}`)
      return false
    }
    log('soak: load stopped; every device comes back and catches up…')
    const delivery = await worker.call(0, { cmd: 'drain', timeoutMs: 180_000 }, 300_000)
    const final = await sample(server, worker, 'drained')
    await worker.call(0, { cmd: 'stop' })
    await sleep(3000)
    const after = await sample(server)
    const slowCut = delivery.episodes.filter(e => e.backMs !== undefined && [4009, 1006].includes(e.closeCode)).length
    const reconnects = delivery.counters.connects - devices
    const verdicts = soakVerdicts({
      samples,
      idle: { before: before.fds, after: after.fds },
      delivery,
      server: { exited },
      exercised: { reconnects, bursts: delivery.bursts.length, slowCut },
    })
    const result = {
      kind: 'soak', minutes, plan,
      machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version },
      startedAt: new Date(startedAt).toISOString(), durationS: Math.round((Date.now() - startedAt) / 1000),
      samples, before, drained: final, after,
      delivery: { acked: delivery.acked, expected: delivery.expected, once: delivery.once, lost: delivery.lost, duplicates: delivery.duplicates, unexpected: delivery.unexpected, mismatched: delivery.mismatched, cidConflicts: delivery.cidConflicts, unacked: delivery.unacked, complete: delivery.complete, drainMs: delivery.drainMs },
      clients: { devices, reconnects, ...delivery.counters, bursts: delivery.bursts, slowConsumers: delivery.episodes },
      verdicts,
      ok: verdicts.every(v => v.ok),
    }
    const file = out ?? join(ROOT, `bench/results/soak-${new Date(startedAt).toISOString().slice(0, 16).replace(/[:T]/g, '-')}.json`)
    mkdirSync(join(file, '..'), { recursive: true })
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`)
    print(result)
    log(`wrote ${file} in ${result.durationS} s`)
    return result.ok
  }
  finally {
    await worker.stop()
    await server.stop()
    server.cleanup()
  }
}

function print(r) {
  const c = r.clients
  console.log(`\nSoak, ${r.minutes} minutes: ${c.devices} devices, ${c.reconnects} reconnects, ${c.ephemerals} short-lived tabs, ${c.sent} messages sent (${c.resent} resent), ${c.receipts} receipts`)
  console.log(`  closes by code: ${JSON.stringify(c.closes)}; error frames: ${JSON.stringify(c.errors)}; stream gaps ${c.gaps}, repeats ${c.repeats}`)
  console.log(`  reconnect bursts: ${c.bursts.map(b => `${b.dropped} at ${b.atS} s, all back in ${b.backMs ?? '–'} ms`).join('; ') || 'none'}`)
  console.log(`  slow consumers: ${c.slowConsumers.map(e => `at ${e.atS} s: ${e.floodSent} × ${r.plan.floodText} chars, ${e.offlineSeen ? 'cut off' : 'not seen cut off'}, closed ${e.closeCode ?? '–'}, back ${e.backMs ?? '–'} ms after reading again`).join('; ') || 'none'}`)
  console.log(`  drained in ${r.delivery.drainMs} ms; at rest: ${r.before.fds} fds before, ${r.after.fds} after, heap ${mb(r.after.heapUsed)} MB`)
  for (const v of r.verdicts) console.log(`  ${v.ok ? 'ok  ' : 'FAIL'} ${v.name}: ${v.detail}`)
}
