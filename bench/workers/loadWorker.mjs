import { openClient } from '../lib/clients.mjs'

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
 *   {cmd:'closeAll'}                                                  → {ok}
 * Every loop is bounded by a duration or a count.
 */
let pairs = []
let idle = []
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

/** Jizhan's application heartbeat for idle sockets (the server sweeps silent ones after 60 s). */
setInterval(() => {
  for (const c of idle) c.ping?.()
}, 20_000).unref()

function closeAll() {
  for (const p of pairs) p.sender.close(), p.recipient.close()
  for (const c of idle) c.close()
  pairs = []
  idle = []
  return { ok: true }
}

const commands = { pairs: openPairs, throughput, latency, quiet, connect, closeAll }
process.on('message', async (msg) => {
  try {
    process.send({ id: msg.id, result: await commands[msg.cmd](msg) })
  }
  catch (error) {
    process.send({ id: msg.id, error: String(error?.stack ?? error) })
  }
})
process.on('disconnect', () => process.exit(0))
