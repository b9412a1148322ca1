import { cpuMeter } from '../lib/procStats.mjs'
import { split } from '../lib/workers.mjs'

/**
 * Connection capacity of one (freshly started) server: the time to open and authenticate
 * `connectCount` connections (until the last has the server's first frame — for Jizhan the
 * `welcome` that follows authentication and registration), then idle memory:
 * RSS and heap (after GC) per connection once `idle.length` connections are open and quiet.
 */
export async function runCapacity(server, workers, idle, connectCount) {
  const before = await server.memory()
  const first = split(idle.slice(0, connectCount), workers.count)
  const meter = cpuMeter([server.pid, ...workers.pids])
  const t0 = Date.now()
  const answers = await workers.all(first.map(ids => ({ cmd: 'connect', client: server.client, url: server.url, identities: ids })))
  const connectMs = Math.max(...answers.map(a => a.lastWelcomeAt)) - t0
  const cpu = meter.stop()
  const rest = split(idle.slice(connectCount), workers.count)
  await workers.all(rest.map(ids => ({ cmd: 'connect', client: server.client, url: server.url, identities: ids })))
  await new Promise(r => setTimeout(r, 1000))
  const after = await server.memory()
  await workers.all(rest.map(() => ({ cmd: 'closeAll' })))
  const n = idle.length
  return {
    connect_ms: connectMs,
    connect_cpu: { server: cpu[0], generators: cpu.slice(1).reduce((s, x) => s + x, 0) },
    idle_connections: n,
    idle_kb_per_conn: (after.rss - before.rss) / n / 1024,
    idle_heap_kb_per_conn: (after.heapUsed - before.heapUsed) / n / 1024,
    idle_rss_mb: after.rss / 2 ** 20,
  }
}
