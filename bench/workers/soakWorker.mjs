import WebSocket from 'ws'
import { SoakDevice } from '../lib/soakClient.mjs'
import { checkDelivery, createLedger } from '../lib/soakChecks.mjs'
import { serveCommands } from '../lib/workers.mjs'

/**
 * The soak's clients (forked by scenarios/soak.mjs, driven over IPC): every user's devices, the
 * churn around them, and the record of what was acknowledged and what arrived. Commands:
 *   {cmd:'start', url, users, plan} → every device connected, synced, conversations seeded → {devices}
 *   {cmd:'begin'}                   → churn, messages, receipts, bursts, slow consumers from now on
 *   {cmd:'status'}                  → {openSockets, live, …counters}
 *   {cmd:'drain', timeoutMs}        → load stopped, every device back and caught up → delivery check
 *   {cmd:'stop'}                    → every socket closed → {openSockets}
 * Users talk with their ring neighbours (±1…±3); even users have two devices, odd users one.
 * Every loop is bounded by the plan's timings or a timeout.
 */
let url
let plan
let users = []
let devices = []
let ledger
let running = false
let stopping = false
const timers = []
const ephemerals = new Set()
const episodes = []
const bursts = []
let episode
const counters = { connects: 0, sent: 0, resent: 0, receipts: 0, repeats: 0, gaps: 0, ephemerals: 0, closes: {}, errors: {} }
const sleep = ms => new Promise(r => setTimeout(r, ms))
const pick = list => list[Math.floor(Math.random() * list.length)]

function peersOf(i) {
  const n = users.length
  return [1, 2, 3, -1, -2, -3].map(d => users[(i + d + n) % n].id)
}

async function until(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) return false
    await sleep(100)
  }
  return true
}

const hooks = {
  // A socket that ended without the device meaning it (server close, cut, burst) comes back within
  // the reference client's first backoff window (0–1 s).
  onClose(device, _code, deliberate) {
    if (!deliberate && !stopping) setTimeout(() => !stopping && device.connect(), Math.random() * 1000)
  },
  onPresence(device, frame) {
    if (episode && device === episode.flooder && frame.offline.some(u => u.id === episode.slow.user.id)) episode.offlineSeen = true
  },
}

async function start(msg) {
  ({ url, plan, users } = msg)
  ledger = createLedger()
  devices = users.flatMap((user, i) => Array.from({ length: i % 2 === 0 ? 2 : 1 }, (_, index) => Object.assign(
    new SoakDevice({ url, user, index, ledger, counters, visible: Math.random() < 0.5, hooks }),
    { userId: user.id, userIndex: i, peers: peersOf(i) })))
  for (const device of devices) device.viewing = pick(device.peers)
  for (let i = 0; i < devices.length; i += 20) {
    devices.slice(i, i + 20).forEach(d => d.connect())
    await sleep(100)
  }
  if (!await until(() => devices.every(d => d.state === 'live'), 60_000)) throw new Error('soak devices did not all sync')
  // One message to each forward neighbour: every conversation exists (and with it each person's
  // presence audience) before the first slow consumer is chosen.
  users.forEach((user, i) => [1, 2, 3].forEach(d => devices.find(x => x.userId === user.id).send(users[(i + d) % users.length].id, 'hello')))
  if (!await until(() => devices.every(d => d.outbox.size === 0), 60_000)) throw new Error('soak seed messages were not all acknowledged')
  return { devices: devices.length, users: users.length }
}

const free = d => !d.slow

/** One tick of churn: devices leave and come back, tabs open for a moment, conversations shown change. */
function churn() {
  for (const device of devices.filter(free)) {
    if (device.state === 'live' && Math.random() < 1 / plan.onlineMeanS) device.leave(Math.random() < 0.5)
    else if (!device.busy && Math.random() < 1 / plan.offlineMeanS) device.connect()
    if (Math.random() < 1 / 30) device.viewing = pick(device.peers)
  }
  if (Math.random() < plan.ephemeralPerSecond) ephemeral()
}

/** A tab opened and closed again within seconds: it resumes at the head and counts nothing. */
function ephemeral() {
  const slowUser = episode?.slow.userId
  const user = pick(users.filter(u => u.id !== slowUser))
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/_ws`, ['jizhan.v1'], { headers: { cookie: user.cookie, origin: url } })
  ephemerals.add(ws)
  counters.ephemerals++
  const end = () => (Math.random() < 0.5 ? ws.terminate() : ws.close(1000, 'client disconnect'))
  const limit = setTimeout(end, 10_000)
  ws.on('error', () => {})
  ws.on('message', (data) => {
    const frame = JSON.parse(data)
    if (frame.type === 'welcome') ws.send(JSON.stringify({ type: 'resume', cursor: frame.head }))
    if (frame.type === 'synced') setTimeout(end, Math.random() * 5000)
  })
  ws.on('close', () => {
    clearTimeout(limit)
    ephemerals.delete(ws)
  })
}

/** Messages at the plan's rate, from live devices with room in their outbox, to a neighbour. */
let budget = 0
function sendSome() {
  budget += plan.messagesPerSecond / 10
  const live = devices.filter(d => d.state === 'live' && free(d) && d.outbox.size < 20)
  for (; budget >= 1 && live.length > 0; budget--) {
    const device = pick(live)
    device.send(pick(device.peers), 'x'.repeat(10 + Math.floor(Math.random() * 190)))
  }
}

/** A share of the live devices lose their link at once and reconnect (hooks.onClose). */
function burst() {
  const live = devices.filter(d => d.busy && free(d)).sort(() => Math.random() - 0.5)
  const dropped = live.slice(0, Math.round(live.length * plan.burstShare))
  const at = Date.now()
  const generations = dropped.map(d => d.generation)
  dropped.forEach(d => d.drop())
  const record = { atS: Math.round((at - plan.t0) / 1000), dropped: dropped.length, backMs: undefined }
  bursts.push(record)
  // Back: live on a later socket (or since gone on purpose, or taken for a slow consumer).
  const back = (d, i) => (d.state === 'live' && d.generation > generations[i]) || d.deliberate || d.slow
  until(() => dropped.every(back), 60_000).then(ok => void (record.backMs = ok ? Date.now() - at : undefined))
}

/**
 * A device stops reading while a neighbour floods it with long messages, until the server cuts it
 * off (its presence goes offline for the flooder; the device has no other socket) or `floodMax`.
 * Then it reads again, finds its socket closed (4009, or 1006 when the cut came first) and comes
 * back, resuming from its cursor.
 */
async function slowConsumer() {
  const slow = pick(devices.filter(d => d.state === 'live' && free(d) && d.userIndex % 2 === 1))
  const flooder = slow && pick(devices.filter(d => d.state === 'live' && free(d) && d.userId !== slow.userId && slow.peers.includes(d.userId)))
  if (!flooder) return
  const at = Date.now()
  episode = { slow, flooder, offlineSeen: false }
  slow.slow = flooder.slow = true
  slow.pause()
  let sent = 0
  const text = 'y'.repeat(plan.floodText)
  while (!episode.offlineSeen && sent < plan.floodMax && Date.now() - at < 120_000) {
    while (flooder.outbox.size < 50 && sent < plan.floodMax) {
      flooder.send(slow.userId, text)
      sent++
    }
    await sleep(20)
  }
  await until(() => flooder.outbox.size === 0, 60_000)
  const closed = slow.whenClosed()
  // The server terminates a socket it cut off a second after its close frame.
  await sleep(1500)
  const generation = slow.generation
  const readingAt = Date.now()
  slow.resume()
  const code = await Promise.race([closed, sleep(20_000).then(() => undefined)])
  slow.slow = flooder.slow = false
  // Back: it read what it had, reconnected and caught up (its replay included) on a new socket.
  const back = code !== undefined && await until(() => slow.state === 'live' && slow.generation > generation, 60_000)
  episodes.push({ atS: Math.round((at - plan.t0) / 1000), floodSent: sent, offlineSeen: episode.offlineSeen, closeCode: code, backMs: back ? Date.now() - readingAt : undefined })
  episode = undefined
}

function every(firstS, everyS, fn) {
  const run = () => running && fn()
  timers.push(setTimeout(() => {
    run()
    timers.push(setInterval(run, everyS * 1000))
  }, firstS * 1000))
}

let slowRunning
function begin() {
  running = true
  plan.t0 = Date.now()
  timers.push(setInterval(() => running && sendSome(), 100))
  timers.push(setInterval(() => running && churn(), 1000))
  timers.push(setInterval(() => devices.forEach(d => d.sendReceipts()), 1000))
  every(plan.firstBurstS, plan.burstEveryS, burst)
  every(plan.firstSlowS, plan.slowEveryS, () => (slowRunning ??= slowConsumer().finally(() => (slowRunning = undefined))))
  return { ok: true }
}

function status() {
  return {
    openSockets: devices.filter(d => d.busy).length + ephemerals.size,
    live: devices.filter(d => d.state === 'live').length,
    acked: ledger.byId.size,
    unacked: devices.reduce((s, d) => s + d.outbox.size, 0),
    counters: structuredClone(counters),
    bursts: structuredClone(bursts),
    episodes: structuredClone(episodes),
  }
}

async function drain({ timeoutMs }) {
  running = false
  const started = Date.now()
  await slowRunning
  devices.forEach(d => !d.busy && d.connect())
  const caughtUp = () => devices.every(d => d.state === 'live' && d.outbox.size === 0) && checkDelivery(ledger, devices).lost === 0
  const complete = await until(caughtUp, timeoutMs)
  const delivery = checkDelivery(ledger, devices)
  return { ...delivery, complete, unacked: devices.reduce((s, d) => s + d.outbox.size, 0), drainMs: Date.now() - started, ...status() }
}

async function stop() {
  stopping = true
  running = false
  timers.forEach(t => clearInterval(t))
  devices.forEach(d => d.leave(true))
  ephemerals.forEach(ws => ws.terminate())
  await until(() => devices.every(d => !d.busy) && ephemerals.size === 0, 5000)
  return { openSockets: devices.filter(d => d.busy).length + ephemerals.size }
}

const commands = { start, begin, status, drain, stop }
serveCommands(commands)
