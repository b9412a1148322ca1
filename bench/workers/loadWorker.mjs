import { openClient } from '../lib/clients.mjs'
import { serveCommands } from '../lib/workers.mjs'

/**
 * A load-generator process (forked by the runner, driven over IPC). Each pair's sender and
 * recipient live in the same process, so a latency is two readings of one monotonic clock
 * (performance.now() in the text) — no cross-process clock skew. Commands:
 *   {cmd:'pairs', client, senderUrl, recipientUrl, pairs:[{sender, recipient}]}  → {ok}
 *   {cmd:'throughput', window, warmupMs, durationMs}                  → {received, errors}
 *   {cmd:'latency', ratePerSender, warmupMs, durationMs}              → {latencies, sent, received}
 *   {cmd:'quiet', client, senderUrl, recipientUrl, pair, warmup, count, intervalMs, timeoutMs}
 *                                                                     → {ack, delivery, lost}
 *   {cmd:'connect', client, url, identities}                          → {opened, lastWelcomeAt}
 *   {cmd:'groups', client, url, groups:[{room, members, senders}]}    → {ok}
 *   {cmd:'fanout', window, warmupMs, durationMs, drainMs}             → {delivered, messages, …checks}
 *   {cmd:'closeAll'}                                                  → {ok}
 * Every loop is bounded by a duration or a count.
 */
let pairs = []
let idle = []
/** The fan-out's groups: each wholly in this process, so a sender sees every member's receipt. */
let fanout = { senders: [], members: [] }
let errors = 0
const sleep = ms => new Promise(r => setTimeout(r, ms))

async function openPairs({ client, senderUrl, recipientUrl, pairs: spec }) {
  pairs = await Promise.all(spec.map(async ({ sender, recipient }) => {
    const pair = { inFlight: 0, onAck: () => {}, onMessage: () => {} }
    pair.recipient = await openClient(client, recipientUrl, recipient, { onMessage: text => pair.onMessage(text) })
    pair.sender = await openClient(client, senderUrl, sender, { onAck: () => pair.onAck(), onError: () => (errors++, pair.onAck()) })
    await Promise.all([pair.recipient.ready, pair.sender.ready])
    pair.to = recipient.id
    return pair
  }))
  return { ok: true }
}

/** Each sender keeps `window` unacknowledged messages in flight; counts relayed messages. */
async function throughput({ window, warmupMs, durationMs }) {
  let counting = false
  let running = true
  let received = 0
  for (const pair of pairs) {
    pair.onMessage = () => void (counting && received++)
    pair.onAck = () => {
      pair.inFlight--
      if (running) pump(pair)
    }
    const pump = (p) => {
      while (p.inFlight < window) {
        p.inFlight++
        p.sender.send(p.to, String(performance.now()))
      }
    }
    pump(pair)
  }
  errors = 0
  await sleep(warmupMs)
  counting = true
  await sleep(durationMs)
  counting = false
  running = false
  // Let what is in flight land, so the next scenario starts quiet (bounded).
  for (let i = 0; i < 100 && pairs.some(p => p.inFlight > 0); i++) await sleep(20)
  return { received, errors }
}

/**
 * Sends at a fixed total rate, spread evenly: every 5 ms tick sends the messages now due, taking
 * the senders in turn (all senders firing in the same tick would be a burst that measures the
 * server's burst drain time, not its latency). Records send → receive for each message.
 */
async function latency({ ratePerSender, warmupMs, durationMs }) {
  const latencies = []
  const measureFrom = performance.now() + warmupMs
  let sent = 0
  for (const pair of pairs) {
    pair.onAck = () => {}
    pair.onMessage = (text) => {
      const sentAt = Number(text)
      if (sentAt >= measureFrom) latencies.push(performance.now() - sentAt)
    }
  }
  const start = performance.now()
  const end = start + warmupMs + durationMs
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now()
      if (now >= end) return clearInterval(timer), resolve()
      const due = Math.floor(((now - start) / 1000) * ratePerSender * pairs.length)
      for (; sent < due; sent++) {
        const p = pairs[sent % pairs.length]
        p.sender.send(p.to, String(performance.now()))
      }
    }, 5)
  })
  const expected = pairs.length * Math.floor((durationMs / 1000) * ratePerSender)
  for (let i = 0; i < 100 && latencies.length < expected; i++) await sleep(20)
  return { latencies, sent, received: latencies.length }
}

/**
 * Latency on a quiet server: one pair, one message at a time. Each message is sent, then awaited
 * until BOTH the sender has its ack and the recipient the message; the next is sent `intervalMs`
 * after the previous send (or at once if that took longer), so the server is idle in between and
 * a Jizhan user stays under its default limits (10 messages/s, burst 30; 30 frames/s per socket).
 * The first `warmup` messages are not recorded. A message not complete within `timeoutMs` counts as
 * lost; three lost in a row end the measurement with an error (the connection is gone).
 */
async function quiet({ client, senderUrl, recipientUrl, pair, warmup, count, intervalMs, timeoutMs }) {
  let waiting
  const settle = (field, text) => {
    if (!waiting || (text !== undefined && text !== waiting.text)) return
    waiting[field] ??= performance.now()
    if (waiting.ackAt !== undefined && waiting.deliveredAt !== undefined) waiting.done(true)
  }
  const recipient = await openClient(client, recipientUrl, pair.recipient, { onMessage: text => settle('deliveredAt', text) })
  const sender = await openClient(client, senderUrl, pair.sender, { onAck: () => settle('ackAt'), onError: () => waiting?.done(false) })
  const ack = []
  const delivery = []
  let lost = 0
  let lostInARow = 0
  try {
    await Promise.all([recipient.ready, sender.ready])
    for (let i = 0; i < warmup + count; i++) {
      const text = `quiet ${i}`
      const sentAt = performance.now()
      const outcome = new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs)
        waiting = { text, done: ok => (clearTimeout(timer), resolve(ok)) }
      })
      sender.send(pair.recipient.id, text)
      const ok = await outcome
      const { ackAt, deliveredAt } = waiting
      waiting = undefined
      if (!ok) {
        if (i >= warmup) lost++
        if (++lostInARow >= 3) throw new Error(`quiet: ${client}: three messages in a row not acknowledged and delivered within ${timeoutMs} ms`)
      }
      else {
        lostInARow = 0
        if (i >= warmup) ack.push(ackAt - sentAt), delivery.push(deliveredAt - sentAt)
      }
      await sleep(sentAt + intervalMs - performance.now())
    }
  }
  finally {
    sender.close()
    recipient.close()
  }
  return { ack, delivery, lost }
}

/**
 * Opens every identity's connection, at most `CONNECT_CONCURRENCY` handshakes in flight (more at
 * once only overflow the kernel's accept backlog and measure its 1 s SYN retransmit instead of the
 * server). Answers when the last one was welcomed (epoch ms), after all are ready (Jizhan: synced).
 */
const CONNECT_CONCURRENCY = 128
async function connect({ client: protocol, url, identities }) {
  let next = 0
  let lastWelcomeAt = 0
  const opened = []
  const lane = async () => {
    while (next < identities.length) {
      const client = await openClient(protocol, url, identities[next++])
      lastWelcomeAt = Math.max(lastWelcomeAt, client.welcomeAt)
      opened.push(client)
    }
  }
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, lane))
  await Promise.all(opened.map(c => c.ready))
  idle.push(...opened)
  return { opened: opened.length, lastWelcomeAt }
}

/**
 * Opens one socket per member of each group (`members`: identities with their `room`; the first
 * `senders` of them send). Sender `s` (numbered across this process's groups) publishes the texts
 * `s.0`, `s.1`, …, so every receipt names its message.
 */
async function openGroups({ client, url, groups }) {
  const senders = []
  const members = []
  for (const group of groups) {
    const recipients = group.members.length - 1
    const groupSenders = group.members.slice(0, group.senders).map((identity, i) => ({
      index: senders.length + i, recipients, next: 0, inFlight: 0, pending: [], acked: [], rejected: [], finished: [], onDone: () => {},
    }))
    const opened = await Promise.all(group.members.map(async (identity, i) => {
      const sender = groupSenders[i]
      const member = { own: sender?.index, groupSenders, seen: new Map() }
      member.client = await openClient(client, url, identity, {
        onMessage: text => receive(member, text),
        onAck: key => (sender ? settle(sender, key, 'acked') : fanout.unexpected++),
        onError: frame => (sender ? settle(sender, frame.key, 'rejected') : fanout.unexpected++),
      })
      if (sender) sender.client = member.client
      return member
    }))
    await Promise.all(opened.map(m => m.client.ready))
    members.push(...opened)
    senders.push(...groupSenders)
  }
  // Each member keeps, per other sender of its group, how often it got each message number.
  for (const m of members) {
    for (const s of m.groupSenders) if (s.index !== m.own) m.seen.set(s.index, new Uint8Array(256))
  }
  fanout = { senders, members, counting: false, delivered: 0, duplicates: 0, unexpected: 0, errors: 0 }
  return { ok: true }
}

/** Parses `s.n`; undefined for a text that is not one of ours. */
function keyOf(text) {
  const dot = typeof text === 'string' ? text.indexOf('.') : -1
  if (dot < 1) return undefined
  const key = [Number(text.slice(0, dot)), Number(text.slice(dot + 1))]
  return key.every(x => Number.isInteger(x) && x >= 0) ? key : undefined
}

/** A member received a text: a first receipt moves its message toward done; a repeat is a duplicate. */
function receive(member, text) {
  const key = keyOf(text)
  let seen = key && member.seen.get(key[0])
  const sender = key && fanout.senders[key[0]]
  if (!seen || !(key[1] < sender.next)) return void fanout.unexpected++
  const n = key[1]
  if (n >= seen.length) {
    const grown = new Uint8Array(Math.max(seen.length * 2, n + 1))
    grown.set(seen)
    member.seen.set(key[0], (seen = grown))
  }
  if (seen[n]++ > 0) return void fanout.duplicates++
  if (fanout.counting) fanout.delivered++
  if (--sender.pending[n] === 0) done(sender, n)
}

/** The sender's ack (or error) for message `key`. */
function settle(sender, key, outcome) {
  const parsed = keyOf(key)
  const n = parsed?.[0] === sender.index ? parsed[1] : undefined
  if (n === undefined || n >= sender.next || sender.acked[n] || sender.rejected[n]) return void fanout.unexpected++
  sender[outcome][n] = true
  if (outcome === 'rejected') fanout.errors++
  if (outcome === 'rejected' || sender.pending[n] === 0) done(sender, n)
}

/** A message is done when acknowledged and at every recipient (or refused): one more may go. */
function done(sender, n) {
  if ((!sender.acked[n] && !sender.rejected[n]) || sender.finished[n]) return
  sender.finished[n] = true
  sender.inFlight--
  sender.onDone()
}

/**
 * Fan-out: each sender keeps `window` messages in flight, a message being in flight until its
 * sender has the ack AND every other member of its group has it (so no server can run ahead of
 * its recipients and pile frames up in buffers). Deliveries (first receipts) are counted over
 * `durationMs` after `warmupMs`; then sending stops and what is in flight may land for up to
 * `drainMs`. Then every receipt is checked: each acknowledged message at every other member of
 * its group exactly once, nothing else.
 */
async function fanoutRun({ window, warmupMs, durationMs, drainMs }) {
  let running = true
  const pump = (s) => {
    while (running && s.inFlight < window) {
      const n = s.next++
      s.pending[n] = s.recipients
      s.inFlight++
      s.client.publish(`${s.index}.${n}`)
    }
  }
  for (const s of fanout.senders) {
    s.onDone = () => pump(s)
    pump(s)
  }
  await sleep(warmupMs)
  fanout.counting = true
  const t0 = performance.now()
  await sleep(durationMs)
  fanout.counting = false
  const elapsedMs = performance.now() - t0
  running = false
  const drainEnd = performance.now() + drainMs
  while (performance.now() < drainEnd && fanout.senders.some(s => s.inFlight > 0)) await sleep(20)
  // What each member should have: every acknowledged message of its group's other senders.
  let lost = 0
  let unacked = 0
  let messages = 0
  for (const s of fanout.senders) {
    for (let n = 0; n < s.next; n++) {
      if (s.acked[n]) messages++
      else if (!s.rejected[n]) unacked++
    }
  }
  for (const m of fanout.members) {
    for (const [index, seen] of m.seen) {
      const s = fanout.senders[index]
      for (let n = 0; n < s.next; n++) {
        if (s.acked[n] && !seen[n]) lost++
        // A refused message must reach nobody.
        if (s.rejected[n] && seen[n]) fanout.unexpected++
      }
    }
  }
  const { delivered, duplicates, unexpected, errors } = fanout
  return { delivered, elapsedMs, messages, lost, duplicates, unexpected, errors, unacked }
}

/** Jizhan's application heartbeat for idle sockets (the server sweeps silent ones after 60 s). */
setInterval(() => {
  for (const c of idle) c.ping?.()
  for (const m of fanout.members) m.client.ping?.()
}, 20_000).unref()

function closeAll() {
  for (const p of pairs) p.sender.close(), p.recipient.close()
  for (const c of idle) c.close()
  for (const m of fanout.members) m.client.close()
  pairs = []
  idle = []
  fanout = { senders: [], members: [] }
  return { ok: true }
}

const commands = { pairs: openPairs, throughput, latency, quiet, connect, groups: openGroups, fanout: fanoutRun, closeAll }
serveCommands(commands)
