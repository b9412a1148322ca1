#!/usr/bin/env node
/**
 * Jizhan benchmark — `npm run bench` (full) or `npm run bench -- --quick` (≈3 min, for development
 * and as CI's smoke test).
 *
 * Measures, in one run, the production Jizhan server (embedded SQLite, persistence on, signed-in
 * users) against three relays this folder contains, all doing the same relay work (`{to, text, ts}`
 * to the recipient, an ack to the sender, 100 pairs) and the same fan-out (a message to each
 * other member of a room of 100, an ack to the sender):
 *   servers/ws.mjs          raw `ws` — the floor
 *   servers/socketio.mjs    Socket.IO 4.8, WebSocket transport only
 *   servers/bare-nitro/     a bare Nitro (crossws) relay — our framework without our guarantees
 * and, beside SQLite Jizhan, the same build on PostgreSQL (`jizhan-pg`: a fresh database on the
 * local server) and as two instances on PostgreSQL + Redis (`jizhan-cluster`: senders on one,
 * recipients on the other). Those two are left out, with one line, when PostgreSQL or Redis does
 * not answer (lib/services.mjs). Servers are measured in alternation (A B C D, A B C D, …), each
 * round on a fresh process; the figures reported are medians over rounds, ratios are Jizhan ÷
 * baseline (and PostgreSQL or cluster ÷ SQLite Jizhan).
 *
 * Scenarios (scenarios/): relay.mjs (throughput with a bounded window, latency at a fixed offered
 * rate; every kind), quiet.mjs (one pair, one message at a time, ack and delivery latency; not on
 * the PostgreSQL kinds), fanout.mjs (groups of 100 members, deliveries per second, every receipt
 * checked; not on the PostgreSQL kinds), capacity.mjs (connect 5k, idle memory at 10k; not on the
 * PostgreSQL kinds), storm.mjs (SQLite Jizhan only: real client stores see the server killed and
 * restarted). Load comes from generator processes (workers/), whose CPU is reported beside the
 * server's. Everything runs on 127.0.0.1 on free ports.
 *
 * Output: a table on stdout and bench/results/latest.json (or --out FILE). Exit code 1 when a
 * server did not do its job (nothing relayed, error frames, quiet messages lost, fan-out deliveries
 * lost or repeated: report.mjs `problemsOf`) — never for a figure being slow. Flags: --quick,
 * --rounds N, --only ws,jizhan, --profile (writes .cpuprofile files to bench/results/profiles),
 * --rebuild, --no-storm, --storm-only, --fanout-only. Method and findings: docs/benchmarks.md.
 *
 * `--soak [--minutes N]` runs the soak instead (scenarios/soak.mjs, 15 minutes by default): churn on
 * SQLite Jizhan, sampled each minute, with verdicts; bench/results/soak-<time>.json (or --out);
 * exit code 1 when a verdict failed.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { createGroups, fanoutGroupsFor, identitiesFor, registerUsers } from './lib/accounts.mjs'
import { buildAll } from './lib/build.mjs'
import { median } from './lib/procStats.mjs'
import { problemsOf, summarize, printTables } from './lib/report.mjs'
import { ROOT, SERVERS, serverUnderTest } from './lib/servers.mjs'
import { provideServices } from './lib/services.mjs'
import { startWorkers } from './lib/workers.mjs'
import { runCapacity } from './scenarios/capacity.mjs'
import { runFanout } from './scenarios/fanout.mjs'
import { runQuiet } from './scenarios/quiet.mjs'
import { runRelay } from './scenarios/relay.mjs'
import { runSoak } from './scenarios/soak.mjs'
import { runStorm } from './scenarios/storm.mjs'

const { values: args } = parseArgs({
  options: {
    'quick': { type: 'boolean', default: false },
    'rounds': { type: 'string' },
    'only': { type: 'string' },
    'profile': { type: 'boolean', default: false },
    'rebuild': { type: 'boolean', default: false },
    'no-storm': { type: 'boolean', default: false },
    'storm-only': { type: 'boolean', default: false },
    'fanout-only': { type: 'boolean', default: false },
    'out': { type: 'string' },
    'soak': { type: 'boolean', default: false },
    'minutes': { type: 'string' },
  },
})

const config = args.quick
  ? { rounds: 2, pairs: 100, window: 10, warmupMs: 500, durationMs: 1500, offeredRate: 2000, connect: 1000, idle: 2000, users: 200, stormClients: 1000, stormRounds: 1, relayWorkers: 2, connWorkers: 2, stormWorkers: 2 }
  : { rounds: 5, pairs: 100, window: 10, warmupMs: 1000, durationMs: 5000, offeredRate: 2000, connect: 5000, idle: 10000, users: 200, stormClients: 5000, stormRounds: 3, relayWorkers: 2, connWorkers: 2, stormWorkers: 4 }
if (args.rounds) config.rounds = Math.max(1, Number(args.rounds))
// Fan-out: 4 groups of 100 members (400 sockets; Jizhan: 400 users of their own), 10 senders per
// group, each with 10 messages in flight until acknowledged and at every member; the same in
// --quick, so quick ratios compare with full ones. What is in flight when sending stops (400
// messages, ~40k deliveries) may take up to 15 s to land before a missing delivery counts as lost:
// a correct but slow server (3k deliveries/s) is not failed; a fast one ends the wait at once.
Object.assign(config, { fanoutGroups: 4, fanoutMembers: 100, fanoutSenders: 10, fanoutWindow: 10, fanoutDrainMs: 15_000 })
// Reconnect settings of the storm's clients: the shipped defaults (nuxt.config.ts runtimeConfig.public).
config.stormOptions = { reconnectBaseMs: 1000, reconnectCapMs: 30000, reconnectMaxAttempts: 10 }
// The PostgreSQL kinds (relay only) get one round in --quick, to keep the smoke test short.
config.relayOnlyRounds = args.quick ? 1 : config.rounds
// Quiet latency: 150 measured messages per server in a full run (40 in --quick), spread over the
// rounds; a message every 120 ms keeps a Jizhan user under its default 10 messages/s.
config.quietMessages = args.quick ? 40 : 150
Object.assign(config, { quietPerRound: Math.ceil(config.quietMessages / config.rounds), quietWarmup: 5, quietIntervalMs: 120, quietSettleMs: 1000, quietTimeoutMs: 10_000 })
const named = args.only ? args.only.split(',') : Object.keys(SERVERS)
const unknown = named.filter(k => !SERVERS[k])
if (unknown.length > 0) {
  console.error(`unknown server kind(s) ${unknown.join(', ')}; known: ${Object.keys(SERVERS).join(', ')}`)
  process.exit(2)
}
// The fan-out does not run on the relay-only kinds: --fanout-only leaves them out.
const requested = args['fanout-only'] ? named.filter(k => !SERVERS[k].relayOnly) : named
const profileDir = args.profile ? join(ROOT, 'bench/results/profiles') : undefined
const log = (...m) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...m)

const servers = {}
let services

/** Whatever happens, no server of this run outlives it, nor its data, databases and Redis keys. */
async function stopServers() {
  await Promise.all(Object.values(servers).map(s => s.stop('SIGKILL')))
  for (const s of Object.values(servers)) s.cleanup()
  await services?.release()
}
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => stopServers().finally(() => process.exit(130)))

const ms = x => (Number.isFinite(x) ? x.toFixed(2) : '–')
const fanoutLine = f => `fan-out ${Math.round(f.fanout_deliveries_per_s)} deliveries/s${f.fanout_lost + f.fanout_duplicates + f.fanout_unexpected + f.fanout_errors + f.fanout_unacked > 0 ? ` (lost ${f.fanout_lost}, duplicated ${f.fanout_duplicates}, unexpected ${f.fanout_unexpected}, errors ${f.fanout_errors}, unacknowledged ${f.fanout_unacked})` : ''}`

async function main() {
  const startedAt = Date.now()
  await buildAll({ force: args.rebuild, log, kinds: requested })
  services = await provideServices(requested, log)
  const kinds = services.kinds
  if (profileDir) mkdirSync(profileDir, { recursive: true })
  for (const k of kinds) servers[k] = serverUnderTest(k, { profileDir, env: services.envOf(k) })
  const loadWorkers = startWorkers(join(ROOT, 'bench/workers/loadWorker.mjs'), Math.max(config.relayWorkers, config.connWorkers))
  const rounds = []
  // Quiet latencies of every round, pooled per server: { kind: { ack: [ms], delivery: [ms], lost } }.
  const quiet = {}
  // Each Jizhan kind has its own database, so its own users; SQLite Jizhan also has the fan-out's
  // groups, of users of their own.
  const users = {}
  const groupUsers = {}
  const convs = {}
  const fanoutGroups = kind => fanoutGroupsFor(servers[kind].client, { users: groupUsers[kind], convs: convs[kind], count: config.fanoutGroups, size: config.fanoutMembers, senders: config.fanoutSenders })
  try {
    // (--storm-only needs SQLite Jizhan's users only; --fanout-only the groups' only.)
    for (const kind of kinds.filter(k => SERVERS[k].persistent && (!args['storm-only'] || k === 'jizhan'))) {
      await servers[kind].start()
      if (!args['fanout-only']) {
        log(`registering ${config.users} users on ${kind}…`)
        users[kind] = await registerUsers(servers[kind].url, config.users)
      }
      if (!SERVERS[kind].relayOnly && !args['storm-only']) {
        const count = config.fanoutGroups * config.fanoutMembers
        log(`registering ${count} users on ${kind} and making them ${config.fanoutGroups} groups of ${config.fanoutMembers}…`)
        groupUsers[kind] = await registerUsers(servers[kind].url, count, { prefix: 'g' })
        convs[kind] = await createGroups(servers[kind].url, groupUsers[kind], config.fanoutGroups, config.fanoutMembers)
      }
      await servers[kind].stop()
    }
    for (let round = 0; round < (args['storm-only'] ? 0 : config.rounds); round++) {
      for (const kind of kinds) {
        const server = servers[kind]
        const relayOnly = SERVERS[kind].relayOnly
        if (relayOnly && round >= config.relayOnlyRounds) continue
        if (args['fanout-only']) {
          await server.start()
          log(`round ${round + 1}/${config.rounds} ${kind}: fan-out`)
          const fanout = await runFanout(server, loadWorkers, fanoutGroups(kind), config)
          await server.stop()
          rounds.push({ round, server: kind, ...fanout })
          log(`  ${kind}: ${fanoutLine(fanout)}`)
          continue
        }
        const ids = identitiesFor(server.client, users[kind], config.pairs, config.idle)
        await server.start()
        log(`round ${round + 1}/${config.rounds} ${kind}: relay`)
        const relay = await runRelay(server, loadWorkers, ids.pairs, config)
        if (relayOnly) {
          await server.stop()
          rounds.push({ round, server: kind, ...relay })
          log(`  ${kind}: ${Math.round(relay.throughput_msgs_per_s)} msg/s, p99 ${ms(relay.p99_ms)} ms`)
          continue
        }
        log(`round ${round + 1}/${config.rounds} ${kind}: quiet, ${config.quietPerRound} messages`)
        const q = await runQuiet(server, loadWorkers, ids.quiet, config)
        quiet[kind] ??= { ack: [], delivery: [], lost: 0 }
        quiet[kind].ack.push(...q.ack)
        quiet[kind].delivery.push(...q.delivery)
        quiet[kind].lost += q.lost
        log(`round ${round + 1}/${config.rounds} ${kind}: fan-out`)
        const fanout = await runFanout(server, loadWorkers, fanoutGroups(kind), config)
        await server.stop()
        // Capacity on a fresh process, so the relay's garbage does not count as connection memory.
        await server.start()
        log(`round ${round + 1}/${config.rounds} ${kind}: connect ${config.connect}, idle ${config.idle}`)
        const capacity = await runCapacity(server, loadWorkers, ids.idle, config.connect)
        await server.stop()
        const quietRound = { quiet_ack_p50_ms: median(q.ack), quiet_delivery_p50_ms: median(q.delivery), quiet_lost: q.lost }
        rounds.push({ round, server: kind, ...relay, ...quietRound, ...fanout, ...capacity })
        log(`  ${kind}: ${Math.round(relay.throughput_msgs_per_s)} msg/s, p99 ${ms(relay.p99_ms)} ms, quiet ack/delivery p50 ${ms(quietRound.quiet_ack_p50_ms)}/${ms(quietRound.quiet_delivery_p50_ms)} ms, ${fanoutLine(fanout)}, ${capacity.idle_kb_per_conn.toFixed(1)} KB/conn, connect ${Math.round(capacity.connect_ms)} ms`)
      }
    }
  }
  finally {
    await loadWorkers.stop()
  }

  const storms = []
  if (servers.jizhan && !args['no-storm'] && !args['fanout-only']) {
    const stormWorkers = startWorkers(join(ROOT, 'bench/.build/stormWorker.mjs'), config.stormWorkers)
    try {
      for (let i = 0; i < config.stormRounds; i++) {
        await servers.jizhan.start()
        log(`storm ${i + 1}/${config.stormRounds}: ${config.stormClients} clients, kill and restart`)
        const storm = await runStorm(servers.jizhan, stormWorkers, users.jizhan, config.stormClients, config.stormOptions)
        await servers.jizhan.stop()
        storms.push({ round: i, ...storm })
        log(`  all back in ${storm.storm_all_back_ms} ms, peak ${storm.storm_peak_accepts_per_s}/s, avg ${storm.storm_avg_accepts_per_s.toFixed(0)}/s`)
      }
    }
    finally {
      await stormWorkers.stop()
    }
  }

  const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}` }
  const result = summarize({ config, kinds, skipped: services.skipped, rounds, quiet, storms, machine, startedAt, durationS: (Date.now() - startedAt) / 1000, quick: args.quick })
  // Only a complete default run replaces the committed latest.json.
  const partial = args.quick || args.only || args.rounds || args['no-storm'] || args['storm-only'] || args['fanout-only']
  const out = args.out ?? join(ROOT, args.quick ? 'bench/results/quick.json' : partial ? 'bench/results/partial.json' : 'bench/results/latest.json')
  mkdirSync(join(out, '..'), { recursive: true })
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`)
  printTables(result)
  log(`wrote ${out} in ${result.duration_s.toFixed(0)} s`)
  const problems = problemsOf(result)
  for (const p of problems) console.error(`bench: ${p}`)
  return problems.length === 0
}

/** The soak: its own server and generator; `track` lets a Ctrl-C stop and clean up its server. */
async function soak() {
  const minutes = Number(args.minutes ?? 15)
  if (!Number.isInteger(minutes) || minutes < 3) {
    console.error('--minutes must be a whole number of at least 3 (the verdicts compare minute 2 with the end)')
    process.exit(2)
  }
  return runSoak({ minutes, log, out: args.out, track: server => (servers.soak = server) })
}

;(args.soak ? soak() : main()).then(async (ok) => {
  await stopServers()
  process.exit(ok ? 0 : 1)
}, async (error) => {
  console.error(error)
  await stopServers()
  process.exit(1)
})
