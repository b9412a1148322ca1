import { median, percentile } from './procStats.mjs'

/**
 * Turns per-round figures into medians (quiet latencies: percentiles of all rounds' samples
 * pooled), Jizhan ÷ baseline ratios, PostgreSQL and cluster ÷ SQLite ratios, and target verdicts.
 */

const METRICS = ['throughput_msgs_per_s', 'p50_ms', 'p99_ms', 'p999_ms', 'latency_delivered_fraction', 'fanout_deliveries_per_s', 'idle_kb_per_conn', 'idle_heap_kb_per_conn', 'connect_ms']
const CPU = ['throughput_cpu', 'latency_cpu', 'fanout_cpu', 'connect_cpu']
/** Summed over rounds, not medians: one lost delivery in any round is a failure. */
const COUNTS = ['throughput_errors', 'fanout_messages', 'fanout_errors', 'fanout_lost', 'fanout_duplicates', 'fanout_unexpected', 'fanout_unacked']

/** Medians of what was measured on a server (the PostgreSQL kinds run the relay only). */
function mediansOf(rounds) {
  const m = {}
  const measured = key => rounds.some(r => r[key] !== undefined)
  for (const key of METRICS.filter(measured)) m[key] = median(rounds.map(r => r[key]))
  for (const key of CPU.filter(measured)) m[key] = { server: median(rounds.map(r => r[key].server)), generators: median(rounds.map(r => r[key].generators)) }
  for (const key of COUNTS.filter(measured)) m[key] = rounds.reduce((s, r) => s + r[key], 0)
  return m
}

/**
 * Quiet-server percentiles of the pooled samples. No p999: with 150 samples it would be the
 * maximum, one event, not a percentile.
 */
function quietOf(q) {
  if (!q) return {}
  const ack = [...q.ack].sort((a, b) => a - b)
  const delivery = [...q.delivery].sort((a, b) => a - b)
  return {
    quiet_ack_p50_ms: percentile(ack, 0.5),
    quiet_ack_p99_ms: percentile(ack, 0.99),
    quiet_delivery_p50_ms: percentile(delivery, 0.5),
    quiet_delivery_p99_ms: percentile(delivery, 0.99),
    quiet_samples: ack.length,
    quiet_lost: q.lost,
  }
}

const round2 = x => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null)

/** The PostgreSQL kinds' relay figures beside SQLite Jizhan, as top-level keys `${prefix}_…`. */
function besideSqlite(prefix, s = {}, j = {}) {
  return {
    [`${prefix}_throughput_msgs_per_s`]: Math.round(s.throughput_msgs_per_s),
    [`${prefix}_throughput_ratio_vs_sqlite`]: round2(s.throughput_msgs_per_s / j.throughput_msgs_per_s),
    [`${prefix}_p50_ms`]: round2(s.p50_ms),
    [`${prefix}_p99_ms`]: round2(s.p99_ms),
    [`${prefix}_p999_ms`]: round2(s.p999_ms),
    [`${prefix}_p99_ratio_vs_sqlite`]: round2(s.p99_ms / j.p99_ms),
    [`${prefix}_latency_delivered_fraction`]: round2(s.latency_delivered_fraction),
  }
}

export function summarize({ config, kinds, skipped = {}, rounds, quiet = {}, storms, machine, startedAt, durationS, quick }) {
  const servers = Object.fromEntries(kinds.map(k => [k, { ...mediansOf(rounds.filter(r => r.server === k)), ...quietOf(quiet[k]) }]))
  for (const s of Object.values(servers)) {
    if (s.quiet_samples === undefined) continue
    s.quiet_ack_p50_ratio_vs_ws = round2(s.quiet_ack_p50_ms / servers.ws?.quiet_ack_p50_ms)
    s.quiet_delivery_p50_ratio_vs_ws = round2(s.quiet_delivery_p50_ms / servers.ws?.quiet_delivery_p50_ms)
  }
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
    fanout_deliveries_per_s: Math.round(j.fanout_deliveries_per_s),
    fanout_ratio_vs_ws: ratio('fanout_deliveries_per_s', 'ws'),
    fanout_ratio_vs_socketio: ratio('fanout_deliveries_per_s', 'socketio'),
    fanout_ratio_vs_bare_nitro: ratio('fanout_deliveries_per_s', 'bare-nitro'),
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
    quiet_ack_p50_ms: round2(j.quiet_ack_p50_ms),
    quiet_ack_p99_ms: round2(j.quiet_ack_p99_ms),
    quiet_delivery_p50_ms: round2(j.quiet_delivery_p50_ms),
    quiet_delivery_p99_ms: round2(j.quiet_delivery_p99_ms),
    quiet_ack_p50_ratio_vs_ws: j.quiet_ack_p50_ratio_vs_ws ?? null,
    quiet_delivery_p50_ratio_vs_ws: j.quiet_delivery_p50_ratio_vs_ws ?? null,
    ...besideSqlite('pg', servers['jizhan-pg'], j),
    ...besideSqlite('cluster', servers['jizhan-cluster'], j),
    skipped,
    servers,
    rounds,
    storms,
  }
  const ok = (value, test) => value !== null && test(value)
  result.targets = [
    { target: 'throughput ≥ 1.0× Socket.IO', value: result.throughput_ratio_vs_socketio, met: ok(result.throughput_ratio_vs_socketio, v => v >= 1) },
    { target: 'throughput ≥ 0.8× bare Nitro', value: result.throughput_ratio_vs_bare_nitro, met: ok(result.throughput_ratio_vs_bare_nitro, v => v >= 0.8) },
    { target: 'p99 ≤ 2× raw ws', value: result.p99_ratio_vs_ws, met: ok(result.p99_ratio_vs_ws, v => v <= 2) },
    { target: 'fan-out deliveries/s ≥ 1.0× Socket.IO rooms', value: result.fanout_ratio_vs_socketio, met: ok(result.fanout_ratio_vs_socketio, v => v >= 1) },
    { target: 'idle memory ≤ 1.5× bare Nitro', value: result.idle_memory_ratio_vs_bare_nitro, met: ok(result.idle_memory_ratio_vs_bare_nitro, v => v <= 1.5) },
    { target: 'idle memory < Socket.IO', value: result.idle_memory_ratio_vs_socketio, met: ok(result.idle_memory_ratio_vs_socketio, v => v < 1) },
    { target: 'connect 5k ≤ 1.5× bare Nitro', value: result.connect_ratio_vs_bare_nitro, met: ok(result.connect_ratio_vs_bare_nitro, v => v <= 1.5) },
    { target: 'storm peak ≤ 3× average accept rate', value: result.storm_peak_to_avg, met: ok(result.storm_peak_to_avg, v => v <= 3) },
    { target: 'quiet latency p50 ≤ 1.5× raw ws (ack)', value: result.quiet_ack_p50_ratio_vs_ws, met: ok(result.quiet_ack_p50_ratio_vs_ws, v => v <= 1.5) },
    { target: 'quiet latency p50 ≤ 1.5× raw ws (delivery)', value: result.quiet_delivery_p50_ratio_vs_ws, met: ok(result.quiet_delivery_p50_ratio_vs_ws, v => v <= 1.5) },
  ]
  return result
}

/**
 * What shows a server did not do its job, whatever the machine's speed: nothing relayed, error
 * frames, quiet messages lost (10 s each), fan-out deliveries lost, repeated or misrouted (or
 * messages never acknowledged), storm clients that never came back. Only what was measured is
 * judged (--fanout-only and --storm-only measure one scenario). No timing is judged here: CI runs
 * --quick as a smoke test and fails on these only.
 */
export function problemsOf(result) {
  const problems = []
  for (const [kind, s] of Object.entries(result.servers)) {
    if ('throughput_errors' in s) {
      if (!(s.throughput_msgs_per_s > 0)) problems.push(`${kind}: nothing relayed in the throughput phase`)
      if (s.throughput_errors > 0) problems.push(`${kind}: ${s.throughput_errors} error frames in the throughput phase`)
      if (!(s.latency_delivered_fraction > 0)) problems.push(`${kind}: nothing delivered in the latency phase`)
    }
    if (s.quiet_lost > 0) problems.push(`${kind}: ${s.quiet_lost} quiet message(s) not acknowledged and delivered within ${result.config.quietTimeoutMs} ms`)
    if (s.quiet_samples === 0) problems.push(`${kind}: no quiet message measured`)
    if ('fanout_messages' in s) {
      const of = `of ${s.fanout_messages} acknowledged messages × ${result.config.fanoutMembers - 1} recipients`
      if (!(s.fanout_deliveries_per_s > 0)) problems.push(`${kind}: nothing delivered in the fan-out`)
      if (s.fanout_errors > 0) problems.push(`${kind}: ${s.fanout_errors} error frames in the fan-out`)
      if (s.fanout_lost > 0) problems.push(`${kind}: fan-out: ${s.fanout_lost} deliveries ${of} lost (not there ${result.config.fanoutDrainMs} ms after sending stopped)`)
      if (s.fanout_duplicates > 0) problems.push(`${kind}: fan-out: ${s.fanout_duplicates} deliveries repeated`)
      if (s.fanout_unexpected > 0) problems.push(`${kind}: fan-out: ${s.fanout_unexpected} frames that should not have come (a message to a non-member or to its sender, an ack for nothing, a refused message delivered)`)
      if (s.fanout_unacked > 0) problems.push(`${kind}: fan-out: ${s.fanout_unacked} messages neither acknowledged nor refused ${result.config.fanoutDrainMs} ms after sending stopped`)
    }
  }
  for (const storm of result.storms) {
    if (!storm.storm_all_back) problems.push(`storm ${storm.round + 1}: ${storm.storm_back_count} of ${storm.storm_clients} clients synced again`)
  }
  return problems
}

const fmt = (x, digits = 0) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits))
const cpu = c => (c ? `${fmt(c.server * 100)}% / ${fmt(c.generators * 100)}%` : '–')

export function printTables(result) {
  const kinds = Object.keys(result.servers)
  const rows = [
    ['throughput (msg/s)', k => fmt(result.servers[k].throughput_msgs_per_s)],
    ['  CPU server / generators', k => cpu(result.servers[k].throughput_cpu)],
    [`latency p50 (ms) @ ${result.config.offeredRate}/s`, k => fmt(result.servers[k].p50_ms, 2)],
    ['latency p99 (ms)', k => fmt(result.servers[k].p99_ms, 2)],
    ['latency p999 (ms)', k => fmt(result.servers[k].p999_ms, 2)],
    ['  CPU server / generators', k => cpu(result.servers[k].latency_cpu)],
    [`fan-out deliveries/s (${result.config.fanoutGroups}×${result.config.fanoutMembers})`, k => fmt(result.servers[k].fanout_deliveries_per_s)],
    ['  CPU server / generators', k => cpu(result.servers[k].fanout_cpu)],
    [`idle RSS per conn (KB) @ ${result.config.idle}`, k => fmt(result.servers[k].idle_kb_per_conn, 1)],
    ['idle heap per conn (KB)', k => fmt(result.servers[k].idle_heap_kb_per_conn, 1)],
    [`connect ${result.config.connect} (ms)`, k => fmt(result.servers[k].connect_ms)],
    ['  CPU server / generators', k => cpu(result.servers[k].connect_cpu)],
    ['quiet ack p50 (ms)', k => fmt(result.servers[k].quiet_ack_p50_ms, 2)],
    ['quiet ack p99 (ms)', k => fmt(result.servers[k].quiet_ack_p99_ms, 2)],
    ['quiet delivery p50 (ms)', k => fmt(result.servers[k].quiet_delivery_p50_ms, 2)],
    ['quiet delivery p99 (ms)', k => fmt(result.servers[k].quiet_delivery_p99_ms, 2)],
  ]
  const table = [['', ...kinds], ...rows.map(([label, f]) => [label, ...kinds.map(f)])]
  const widths = table[0].map((_, c) => Math.max(...table.map(r => r[c].length)))
  const line = r => `| ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join(' | ')} |`
  console.log(`\nMedians of ${result.config.rounds} round(s)${result.quick ? ' (--quick)' : ''}:\n`)
  console.log(line(table[0]))
  console.log(`|${widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`)
  for (const r of table.slice(1)) console.log(line(r))
  const quietCount = result.config.quietPerRound * result.config.rounds
  console.log(`\nQuiet rows: one pair, one message at a time (ack and delivery awaited), one every ${result.config.quietIntervalMs} ms; `
    + `percentiles of ${quietCount} messages per server pooled over the rounds, not medians.`)
  console.log(`Fan-out rows: ${result.config.fanoutGroups} groups of ${result.config.fanoutMembers} members, one socket each, ${result.config.fanoutSenders} senders per group with `
    + `${result.config.fanoutWindow} messages each in flight until acknowledged and at every member; deliveries (message × recipient) per second, counted at the recipients.`)
  const pgKinds = ['jizhan-pg', 'jizhan-cluster'].filter(k => result.servers[k])
  if (pgKinds.length > 0) {
    console.log(`PostgreSQL kinds: relay only, ${result.config.relayOnlyRounds} round(s); jizhan-cluster's server CPU is both instances together.`)
    console.log('\n| beside SQLite Jizhan (relay) | throughput ÷ SQLite | p99 ÷ SQLite |\n|---|---:|---:|')
    if (result.servers['jizhan-pg']) console.log(`| jizhan-pg (one instance, PostgreSQL) | ${fmt(result.pg_throughput_ratio_vs_sqlite, 2)} | ${fmt(result.pg_p99_ratio_vs_sqlite, 2)} |`)
    if (result.servers['jizhan-cluster']) console.log(`| jizhan-cluster (two instances, PostgreSQL + Redis, every message crosses) | ${fmt(result.cluster_throughput_ratio_vs_sqlite, 2)} | ${fmt(result.cluster_p99_ratio_vs_sqlite, 2)} |`)
  }
  for (const [kind, why] of Object.entries(result.skipped ?? {})) console.log(`(${kind} skipped: ${why})`)
  if (result.storm_all_back_ms !== null) {
    console.log(`\nReconnect storm (Jizhan, ${result.config.stormClients} real client stores, backoff base ${result.config.stormOptions.reconnectBaseMs} ms, cap ${result.config.stormOptions.reconnectCapMs} ms): `
      + `all synced again ${fmt(result.storm_all_back_ms)} ms after the kill; peak ${fmt(result.storm_peak_accepts_per_s)} accepts/s, `
      + `average ${fmt(result.storm_avg_accepts_per_s)}/s (peak ÷ average ${fmt(result.storm_peak_to_avg, 2)})`)
  }
  console.log('\n| target | Jizhan ÷ baseline | met |\n|---|---:|:-:|')
  for (const t of result.targets) console.log(`| ${t.target} | ${fmt(t.value, 2)} | ${t.value === null || t.value === undefined || Number.isNaN(t.value) ? '–' : t.met ? 'yes' : 'NO'} |`)
}
