import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { Metric } from 'prom-client'
import { CLIENT_FRAME_TYPES, CloseCode, SERVER_FRAME_TYPES } from '#shared/protocol'
import { relayTraffic } from '../cluster/traffic'
import { pool } from '../utils/pool'
import { EventLoopDelayMetric } from './eventLoop'
import { frameTypeReader } from './frameType'
import { talliedCounter, talliedCounter2, talliedHistogram } from './tally'

/**
 * Every metric of an instance, defined once (docs/operations.md explains each). Labels take only
 * values from fixed lists — frame types, close codes, kinds — never a user, a group or any text a
 * client sent, so the number of series is bounded. What the hot path touches is a plain number
 * (tally.ts); histograms are observed per message or per batch, never per frame; gauges are read
 * when scraped.
 */
export const registry = new Registry()

// ---- sockets and frames ------------------------------------------------------------------------

new Gauge({
  name: 'jizhan_sockets_open',
  help: 'Sockets of signed-in users joined on this instance.',
  registers: [registry],
  collect() {
    this.set(pool.size)
  },
})

new Gauge({
  name: 'jizhan_users_online',
  help: 'Signed-in users with at least one socket on this instance.',
  registers: [registry],
  collect() {
    this.set(pool.userCount)
  },
})

/** Frames received, by type; `invalid` did not parse as a frame, `rate_limited` was refused unread. */
export const framesReceived = talliedCounter(registry, {
  name: 'jizhan_frames_received_total',
  help: 'WebSocket frames received, by type (invalid: not a valid frame; rate_limited: over the frame budget, not read).',
  label: 'type',
  values: [...CLIENT_FRAME_TYPES, 'invalid', 'rate_limited'],
})

const framesSent = talliedCounter(registry, {
  name: 'jizhan_frames_sent_total',
  help: 'WebSocket frames sent, by type (invalid: a text that is not a protocol frame; should stay 0).',
  label: 'type',
  values: [...SERVER_FRAME_TYPES, 'invalid'],
})
const sentType = frameTypeReader(SERVER_FRAME_TYPES)

/** Counts a frame sent, by the type its text starts with. */
export function countSent(text: string): void {
  framesSent[sentType(text) ?? 'invalid'].n++
}

/** Codes with a series of their own; any other is counted as `other`. */
const CLOSE_CODES = [...new Set([1000, 1001, 1005, 1006, 1008, 1009, 1011, ...Object.values(CloseCode)])].sort((a, b) => a - b).map(String)
const closes = talliedCounter2(registry, {
  name: 'jizhan_socket_closes_total',
  help: 'Sockets closed, by close code and by who closed them (server: this server\'s decision; peer: the code the socket reported, the client\'s or the WebSocket layer\'s own such as 1006 or 1009).',
  labels: ['code', 'by'],
  values: [[...CLOSE_CODES, 'other'], ['server', 'peer']],
})

/** Counts a closed socket. */
export function countClose(code: number | undefined, by: 'server' | 'peer'): void {
  const row = closes[String(code ?? 1005) as keyof typeof closes] ?? closes.other
  row[by].n++
}

export const slowConsumers = new Counter({
  name: 'jizhan_slow_consumer_disconnects_total',
  help: 'Sockets closed (4009) because the client read too slowly: its outgoing buffer passed NUXT_WS_MAX_BUFFERED_BYTES, or a replay made no progress for NUXT_WS_REPLAY_STALL_MS.',
  registers: [registry],
})

/** Refusals by a rate limit, by which one. */
export const rateLimited = talliedCounter(registry, {
  name: 'jizhan_rate_limited_total',
  help: 'Requests refused by a rate limit, by limit (frames, messages and typing per socket or user; upgrades per address; connections per user; sign-in per address and username; group changes and people named; searches).',
  label: 'kind',
  values: ['frames', 'messages', 'typing', 'upgrades', 'connections', 'sign_in', 'group_changes', 'group_people', 'searches'],
})
export type RateLimitKind = keyof typeof rateLimited

// ---- messages and storage ----------------------------------------------------------------------

export const messagesStored = talliedCounter(registry, {
  name: 'jizhan_messages_stored_total',
  help: 'Messages stored (not counting resends of a stored message), direct or in a group.',
  label: 'kind',
  values: ['direct', 'group'],
})

const batchSize = talliedHistogram(registry, {
  name: 'jizhan_commit_batch_size',
  help: 'Messages per group-commit batch written in one transaction, by database and kind.',
  labelNames: ['store', 'kind'],
  buckets: [1, 2, 5, 10, 20, 50, 100, 200],
})

const commitSeconds = talliedHistogram(registry, {
  name: 'jizhan_commit_duration_seconds',
  help: 'Time from handing a group-commit batch to the database until it committed (on SQLite including its wait in the writer thread\'s queue), by database and kind.',
  labelNames: ['store', 'kind'],
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
})

/** What a group commit reports after each committed batch (its size, how long it took). */
export function commitObserver(store: 'sqlite' | 'postgresql', kind: 'direct' | 'group'): (size: number, ms: number) => void {
  const size = batchSize.series({ store, kind })
  const seconds = commitSeconds.series({ store, kind })
  return (n, ms) => {
    size.observe(n)
    seconds.observe(ms / 1000)
  }
}

const relaySeconds = talliedHistogram(registry, {
  name: 'jizhan_relay_duration_seconds',
  help: 'Time from receiving a send to its last delivery on this instance (direct: the recipient\'s and sender\'s sockets; group: the members\' sockets and the sender\'s ack).',
  labelNames: ['kind'],
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
})
const relayDirect = relaySeconds.series({ kind: 'direct' })
const relayGroup = relaySeconds.series({ kind: 'group' })

/** Observes one message's relay, from `startedAt` (performance.now() at receipt) to now. */
export function observeRelay(kind: 'direct' | 'group', startedAt: number): void {
  (kind === 'direct' ? relayDirect : relayGroup).observe((performance.now() - startedAt) / 1000)
}

/** Numbers read when scraped, from the modules that own them (set as those start). */
export const readings: {
  dbPool?: () => { total: number, idle: number, waiting: number }
  sqliteWriterRequests?: () => number
  storeQueue: Partial<Record<'direct' | 'group', () => number>>
} = { storeQueue: {} }

new Gauge({
  name: 'jizhan_store_queue_items',
  help: 'Messages waiting for a group-commit batch (not yet handed to the database), by kind; past NUXT_STORE_QUEUE_MAX sends are answered busy.',
  labelNames: ['kind'],
  registers: [registry],
  collect() {
    for (const kind of ['direct', 'group'] as const) this.set({ kind }, readings.storeQueue[kind]?.() ?? 0)
  },
})

new Gauge({
  name: 'jizhan_sqlite_writer_requests',
  help: 'SQLite: requests handed to the writer thread and not answered yet (its queue depth, the batch being written included); 0 on PostgreSQL.',
  registers: [registry],
  collect() {
    this.set(readings.sqliteWriterRequests?.() ?? 0)
  },
})

new Gauge({
  name: 'jizhan_db_pool_clients',
  help: 'PostgreSQL: clients of the connection pool (total, idle) and queries waiting for one (waiting); 0 on SQLite.',
  labelNames: ['state'],
  registers: [registry],
  collect() {
    const now = readings.dbPool?.() ?? { total: 0, idle: 0, waiting: 0 }
    this.set({ state: 'total' }, now.total)
    this.set({ state: 'idle' }, now.idle)
    this.set({ state: 'waiting' }, now.waiting)
  },
})

export const dbPoolAcquireSeconds = new Histogram({
  name: 'jizhan_db_pool_acquire_seconds',
  help: 'PostgreSQL: time to get a client from the connection pool (0 unless all are busy); empty on SQLite.',
  buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
  registers: [registry],
})

// ---- other instances ---------------------------------------------------------------------------

export const redisPublishFailures = new Counter({
  name: 'jizhan_redis_publish_failures_total',
  help: 'Redis: publishes that failed (relay, presence, or the re-announce after an outage); the others catch up from the database.',
  registers: [registry],
})

export const catchUps = talliedCounter(registry, {
  name: 'jizhan_catch_ups_total',
  help: 'Sockets caught up from the database: stream (a gap in a user\'s stream), group (a gap in a group\'s lines), resync (all sockets, after Redis was unreachable).',
  label: 'kind',
  values: ['stream', 'group', 'resync'],
})

/** A counter read from a plain number another module keeps (when scraped). */
function readCounter(name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset()
      this.inc(read())
    },
  })
}

// What this instance's Redis connections carried (server/cluster/traffic.ts): with per-user and
// per-person channels they follow this instance's own users' traffic, not the cluster's.
readCounter('jizhan_cluster_envelopes_received_total', 'Envelopes this instance\'s Redis subscriber received (its own echoes included): its users\' events, group lines, receipts and typing, and what every instance hears.', () => relayTraffic.received)
readCounter('jizhan_cluster_envelopes_handled_total', 'Envelopes from other instances that this instance handled.', () => relayTraffic.handled)
readCounter('jizhan_cluster_presence_received_total', 'Presence changes received from Redis: those of people this instance\'s users see.', () => relayTraffic.presence)
readCounter('jizhan_cluster_presence_reads_total', 'People whose presence this instance read from Redis (when first watched here, and again after a reconnect).', () => relayTraffic.presenceRead)
readCounter('jizhan_redis_commands_total', 'Redis commands this instance sent on its connections (a MULTI counts its MULTI and EXEC too).', () => relayTraffic.commands)

// ---- the process -------------------------------------------------------------------------------

const eventLoopDelay = new EventLoopDelayMetric()
registry.registerMetric(eventLoopDelay as unknown as Metric)

let processMetrics = false

/**
 * Starts what costs something while nobody scrapes: Node's default metrics (CPU, memory, heap, GC,
 * handles, its event-loop gauges) and the event-loop delay sampler. Once; when /metrics is on.
 */
export function startProcessMetrics(): void {
  if (processMetrics) return
  processMetrics = true
  collectDefaultMetrics({ register: registry })
  eventLoopDelay.start()
}
