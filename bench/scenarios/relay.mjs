import { cpuMeter, percentile } from '../lib/procStats.mjs'
import { split } from '../lib/workers.mjs'

/**
 * Throughput and latency of one server: `pairs` sender → recipient pairs spread over the generator
 * workers. Throughput: each sender keeps `window` messages unacknowledged, relayed msg/s counted at
 * the recipients. Latency: a fixed offered rate, send → recipient receives, p50/p99/p999.
 */
export async function runRelay(server, workers, pairs, opts) {
  const parts = split(pairs, workers.count)
  await workers.all(parts.map(p => ({ cmd: 'pairs', kind: server.kind, url: server.url, pairs: p })))

  let meter = cpuMeter([server.pid, ...workers.pids])
  const t = await workers.all(parts.map(() => ({ cmd: 'throughput', window: opts.window, warmupMs: opts.warmupMs, durationMs: opts.durationMs })))
  const tCpu = meter.stop()
  const received = t.reduce((s, r) => s + r.received, 0)

  const ratePerSender = opts.offeredRate / pairs.length
  meter = cpuMeter([server.pid, ...workers.pids])
  const l = await workers.all(parts.map(() => ({ cmd: 'latency', ratePerSender, warmupMs: opts.warmupMs, durationMs: opts.durationMs })))
  const lCpu = meter.stop()
  const latencies = l.flatMap(r => r.latencies).sort((a, b) => a - b)
  const expected = pairs.length * Math.floor((opts.durationMs / 1000) * ratePerSender)
  await workers.all(parts.map(() => ({ cmd: 'closeAll' })))

  return {
    throughput_msgs_per_s: received / (opts.durationMs / 1000),
    throughput_errors: t.reduce((s, r) => s + r.errors, 0),
    throughput_cpu: { server: tCpu[0], generators: sum(tCpu.slice(1)) },
    p50_ms: percentile(latencies, 0.5),
    p99_ms: percentile(latencies, 0.99),
    p999_ms: percentile(latencies, 0.999),
    latency_delivered_fraction: latencies.length / expected,
    latency_cpu: { server: lCpu[0], generators: sum(lCpu.slice(1)) },
  }
}

const sum = xs => xs.reduce((s, x) => s + x, 0)
