/**
 * Latency on a quiet server: one pair on one generator, one message at a time (loadWorker.mjs
 * `quiet`), nothing else connected. Answers this round's samples in ms — `ack` (send → the
 * sender's ack) and `delivery` (send → the recipient's message) — and how many were `lost`. The
 * run pools the samples of all rounds per server before taking percentiles: a p99 of 30 samples
 * would just be their maximum.
 */
export async function runQuiet(server, workers, pair, opts) {
  const [senderUrl, recipientUrl] = [server.urls[0], server.urls.at(-1)]
  // Let the previous scenario's closed connections and garbage settle first.
  await new Promise(r => setTimeout(r, opts.quietSettleMs))
  const { ack, delivery, lost } = await workers.call(0, {
    cmd: 'quiet',
    client: server.client,
    senderUrl,
    recipientUrl,
    pair,
    warmup: opts.quietWarmup,
    count: opts.quietPerRound,
    intervalMs: opts.quietIntervalMs,
    timeoutMs: opts.quietTimeoutMs,
  })
  return { ack, delivery, lost }
}
