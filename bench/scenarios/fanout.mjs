import { cpuMeter } from '../lib/procStats.mjs'
import { split } from '../lib/workers.mjs'

/**
 * Fan-out of one server: `groups` (each `{ room, members, senders }`, every member one socket, the
 * first `senders` members sending) spread over the generator workers, each group wholly in one, so
 * its sender sees every receipt. Each sender keeps `fanoutWindow` messages in flight (until acked
 * AND at every other member); deliveries — a message reaching one recipient — are counted at the
 * recipients over `durationMs` after `warmupMs`. Then every receipt is checked: each acknowledged
 * message at every other member of its group exactly once (loadWorker.mjs `fanout`).
 */
export async function runFanout(server, workers, groups, opts) {
  const parts = split(groups, workers.count)
  await workers.all(parts.map(p => ({ cmd: 'groups', client: server.client, url: server.url, groups: p })))
  const meter = cpuMeter([...server.pids, ...workers.pids])
  const r = await workers.all(parts.map(() => ({ cmd: 'fanout', window: opts.fanoutWindow, warmupMs: opts.warmupMs, durationMs: opts.durationMs, drainMs: opts.fanoutDrainMs })))
  const cpu = meter.stop()
  await workers.all(parts.map(() => ({ cmd: 'closeAll' })))
  const total = key => r.reduce((s, x) => s + x[key], 0)
  return {
    fanout_deliveries_per_s: sum(r.map(x => x.delivered / (x.elapsedMs / 1000))),
    fanout_cpu: { server: sum(cpu.slice(0, server.pids.length)), generators: sum(cpu.slice(server.pids.length)) },
    fanout_messages: total('messages'),
    fanout_errors: total('errors'),
    fanout_lost: total('lost'),
    fanout_duplicates: total('duplicates'),
    fanout_unexpected: total('unexpected'),
    fanout_unacked: total('unacked'),
  }
}

const sum = xs => xs.reduce((s, x) => s + x, 0)
