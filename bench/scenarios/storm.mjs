import { cpuMeter } from '../lib/procStats.mjs'
import { split } from '../lib/workers.mjs'

/**
 * Reconnect storm (Jizhan only: the other servers have no client logic of ours). `count` real
 * client stores are connected and synced; the server is killed (SIGKILL) and started again on the
 * same port and data. Reported: the time from the kill until every client is synced again, and
 * accepted handshakes (welcomes) per second — the peak second against the average over the window
 * from the first to the last accept, which shows whether the backoff's jitter spreads the herd.
 */
export async function runStorm(server, workers, users, count, options) {
  const clientUsers = Array.from({ length: count }, (_, i) => users[i % users.length])
  await workers.all(split(clientUsers, workers.count).map(u => ({ cmd: 'start', url: server.url, users: u, options })))
  await workers.all(split(clientUsers, workers.count).map(() => ({ cmd: 'arm' })))
  const waiting = workers.all(split(clientUsers, workers.count).map(() => ({ cmd: 'wait', timeoutMs: 150_000 })), 200_000)
  const killedAt = Date.now()
  await server.stop('SIGKILL')
  await server.start()
  const upAt = Date.now()
  const meter = cpuMeter([server.pid, ...workers.pids])
  const results = await waiting
  const cpu = meter.stop()
  await workers.all(split(clientUsers, workers.count).map(() => ({ cmd: 'stop' })))

  const welcomes = results.flatMap(r => r.welcomes).filter(Boolean).sort((a, b) => a - b)
  const synced = results.flatMap(r => r.synced).filter(Boolean)
  const buckets = new Map()
  for (const t of welcomes) {
    const s = Math.floor((t - killedAt) / 1000)
    buckets.set(s, (buckets.get(s) ?? 0) + 1)
  }
  const windowS = Math.max(1, (welcomes.at(-1) - welcomes[0]) / 1000)
  const peak = Math.max(...buckets.values())
  const average = welcomes.length / windowS
  return {
    storm_clients: count,
    storm_all_back: results.every(r => r.ok) && synced.length === count,
    storm_back_count: synced.length,
    storm_all_back_ms: Math.max(...synced) - killedAt,
    storm_server_down_ms: upAt - killedAt,
    storm_accept_window_ms: welcomes.at(-1) - welcomes[0],
    storm_peak_accepts_per_s: peak,
    storm_avg_accepts_per_s: average,
    storm_peak_to_avg: peak / average,
    storm_accepts_per_second: Array.from({ length: Math.max(...buckets.keys()) + 1 }, (_, s) => buckets.get(s) ?? 0),
    storm_max_attempt: Math.max(...results.map(r => r.maxAttempt)),
    storm_cpu: { server: cpu[0], generators: cpu.slice(1).reduce((s, x) => s + x, 0) },
  }
}
