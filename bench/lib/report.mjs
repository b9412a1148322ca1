import { median } from './procStats.mjs'

/** Turns per-round figures into medians, Jizhan ÷ baseline ratios and target verdicts. */

const METRICS = ['throughput_msgs_per_s', 'p50_ms', 'p99_ms', 'p999_ms', 'latency_delivered_fraction', 'idle_kb_per_conn', 'idle_heap_kb_per_conn', 'connect_ms']
const CPU = ['throughput_cpu', 'latency_cpu', 'connect_cpu']

function mediansOf(rounds) {
  const m = {}
  for (const key of METRICS) m[key] = median(rounds.map(r => r[key]))
  for (const key of CPU) m[key] = { server: median(rounds.map(r => r[key].server)), generators: median(rounds.map(r => r[key].generators)) }
  m.throughput_errors = rounds.reduce((s, r) => s + r.throughput_errors, 0)
  return m
}

const round2 = x => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null)

export function summarize({ config, kinds, rounds, storms, machine, startedAt, durationS, quick }) {
  const servers = Object.fromEntries(kinds.map(k => [k, mediansOf(rounds.filter(r => r.server === k))]))
  const j = servers.jizhan ?? {}
  const ratio = (key, base) => round2(j[key] / servers[base]?.[key])
  const storm = storms.length ? Object.fromEntries(Object.keys(storms[0]).filter(k => typeof storms[0][k] === 'number' && k !== 'round').map(k => [k, median(storms.map(s => s[k]))])) : {}
  const result = {
    quick,
    started_at: new Date(startedAt).toISOString(),
    duration_s: durationS,
    machine,
    config,
    throughput_msgs_per_s: Math.round(j.throughput_msgs_per_s),
    throughput_ratio_vs_ws: ratio('throughput_msgs_per_s', 'ws'),
    throughput_ratio_vs_socketio: ratio('throughput_msgs_per_s', 'socketio'),
    throughput_ratio_vs_bare_nitro: ratio('throughput_msgs_per_s', 'bare-nitro'),
    p50_ms: round2(j.p50_ms),
    p99_ms: round2(j.p99_ms),
    p999_ms: round2(j.p999_ms),
    p99_ratio_vs_ws: ratio('p99_ms', 'ws'),
    p99_ratio_vs_socketio: ratio('p99_ms', 'socketio'),
    idle_kb_per_conn: round2(j.idle_kb_per_conn),
    idle_heap_kb_per_conn: round2(j.idle_heap_kb_per_conn),
    idle_memory_ratio_vs_ws: ratio('idle_kb_per_conn', 'ws'),
    idle_memory_ratio_vs_bare_nitro: ratio('idle_kb_per_conn', 'bare-nitro'),
    idle_memory_ratio_vs_socketio: ratio('idle_kb_per_conn', 'socketio'),
    connect_5k_ms: Math.round(j.connect_ms),
    connect_ratio_vs_bare_nitro: ratio('connect_ms', 'bare-nitro'),
    storm_all_back_ms: storm.storm_all_back_ms ?? null,
    storm_peak_accepts_per_s: storm.storm_peak_accepts_per_s ?? null,
    storm_avg_accepts_per_s: round2(storm.storm_avg_accepts_per_s),
    storm_peak_to_avg: round2(storm.storm_peak_to_avg),
    servers,
    rounds,
    storms,
  }
  const ok = (value, test) => value !== null && test(value)
  result.targets = [
    { target: 'throughput ≥ 1.0× Socket.IO', value: result.throughput_ratio_vs_socketio, met: ok(result.throughput_ratio_vs_socketio, v => v >= 1) },
    { target: 'throughput ≥ 0.8× bare Nitro', value: result.throughput_ratio_vs_bare_nitro, met: ok(result.throughput_ratio_vs_bare_nitro, v => v >= 0.8) },
    { target: 'p99 ≤ 2× raw ws', value: result.p99_ratio_vs_ws, met: ok(result.p99_ratio_vs_ws, v => v <= 2) },
    { target: 'idle memory ≤ 1.5× bare Nitro', value: result.idle_memory_ratio_vs_bare_nitro, met: ok(result.idle_memory_ratio_vs_bare_nitro, v => v <= 1.5) },
    { target: 'idle memory < Socket.IO', value: result.idle_memory_ratio_vs_socketio, met: ok(result.idle_memory_ratio_vs_socketio, v => v < 1) },
    { target: 'connect 5k ≤ 1.5× bare Nitro', value: result.connect_ratio_vs_bare_nitro, met: ok(result.connect_ratio_vs_bare_nitro, v => v <= 1.5) },
    { target: 'storm peak ≤ 3× average accept rate', value: result.storm_peak_to_avg, met: ok(result.storm_peak_to_avg, v => v <= 3) },
  ]
  return result
}

const fmt = (x, digits = 0) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits))
const cpu = c => `${fmt(c.server * 100)}% / ${fmt(c.generators * 100)}%`

export function printTables(result) {
  const kinds = Object.keys(result.servers)
  const rows = [
    ['throughput (msg/s)', k => fmt(result.servers[k].throughput_msgs_per_s)],
    ['  CPU server / generators', k => cpu(result.servers[k].throughput_cpu)],
    [`latency p50 (ms) @ ${result.config.offeredRate}/s`, k => fmt(result.servers[k].p50_ms, 2)],
    ['latency p99 (ms)', k => fmt(result.servers[k].p99_ms, 2)],
    ['latency p999 (ms)', k => fmt(result.servers[k].p999_ms, 2)],
    ['  CPU server / generators', k => cpu(result.servers[k].latency_cpu)],
    [`idle RSS per conn (KB) @ ${result.config.idle}`, k => fmt(result.servers[k].idle_kb_per_conn, 1)],
    ['idle heap per conn (KB)', k => fmt(result.servers[k].idle_heap_kb_per_conn, 1)],
    [`connect ${result.config.connect} (ms)`, k => fmt(result.servers[k].connect_ms)],
    ['  CPU server / generators', k => cpu(result.servers[k].connect_cpu)],
  ]
  const table = [['', ...kinds], ...rows.map(([label, f]) => [label, ...kinds.map(f)])]
  const widths = table[0].map((_, c) => Math.max(...table.map(r => r[c].length)))
  const line = r => `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`
  console.log(`\nMedians of ${result.config.rounds} round(s)${result.quick ? ' (--quick)' : ''}:\n`)
  console.log(line(table[0]))
  console.log(`|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`)
  for (const r of table.slice(1)) console.log(line(r))
  if (result.storm_all_back_ms !== null) {
    console.log(`\nReconnect storm (Jizhan, ${result.config.stormClients} real client stores, backoff base ${result.config.stormOptions.reconnectBaseMs} ms, cap ${result.config.stormOptions.reconnectCapMs} ms): `
      + `all synced again ${fmt(result.storm_all_back_ms)} ms after the kill; peak ${fmt(result.storm_peak_accepts_per_s)} accepts/s, `
      + `average ${fmt(result.storm_avg_accepts_per_s)}/s (peak ÷ average ${fmt(result.storm_peak_to_avg, 2)})`)
  }
  console.log('\n| target | Jizhan ÷ baseline | met |\n|---|---:|:-:|')
  for (const t of result.targets) console.log(`| ${t.target} | ${fmt(t.value, 2)} | ${t.met ? 'yes' : 'NO'} |`)
}
