import { cpuMeter, percentile } from '../lib/procStats.mjs'
import { split } from '../lib/workers.mjs'

/**
 * Throughput and latency of one server: `pairs` sender → recipient pairs spread over the generator
 * workers. Throughput: each sender keeps `window` messages unacknowledged, relayed msg/s counted at
 * the recipients. Latency: a fixed offered rate, send → recipient receives, p50/p99/p999.
 * On a cluster, senders connect to the first instance and recipients to the last, so every message
 * crosses instances; its server CPU is the sum over its instances.
 */
export async function runRelay(server, workers, pairs, opts) {
  const parts = split(pairs, workers.count)
  const [senderUrl, recipientUrl] = [server.urls[0], server.urls.at(-1)]
  await workers.all(parts.map(p => ({ cmd: 'pairs', client: server.client, senderUrl, recipientUrl, pairs: p })))
  const serverCpu = cpu => sum(cpu.slice(0, server.pids.length))
  const generatorCpu = cpu => sum(cpu.slice(server.pids.length))

  let meter = cpuMeter([...server.pids, ...workers.pids])
  const t = await workers.all(parts.map(() => ({ cmd: 'throughput', window: opts.window, warmupMs: opts.warmupMs, durationMs: opts.durationMs })))
  const tCpu = meter.stop()
  const received = t.reduce((s, r) => s + r.received, 0)

  const ratePerSender = opts.offeredRate / pairs.length
  meter = cpuMeter([...server.pids, ...workers.pids])
  const l = await workers.all(parts.map(() => ({ cmd: 'latency', ratePerSender, warmupMs: opts.warmupMs, durationMs: opts.durationMs })))
  const lCpu = meter.stop()
  const latencies = l.flatMap(r => r.latencies).sort((a, b) => a - b)
  const expected = pairs.length * Math.floor((opts.durationMs / 1000) * ratePerSender)
  await workers.all(parts.map(() => ({ cmd: 'closeAll' })))

  return {
    throughput_msgs_per_s: received / (opts.durationMs / 1000),
    throughput_errors: t.reduce((s, r) => s + r.errors, 0),
    throughput_cpu: { server: serverCpu(tCpu), generators: generatorCpu(tCpu) },
    p50_ms: percentile(latencies, 0.5),
    p99_ms: percentile(latencies, 0.99),
    p999_ms: percentile(latencies, 0.999),
    latency_delivered_fraction: latencies.length / expected,
    latency_cpu: { server: serverCpu(lCpu), generators: generatorCpu(lCpu) },
  }
}

const sum = xs => xs.reduce((s, x) => s + x, 0)
