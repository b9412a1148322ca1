import { describe, expect, it } from 'vitest'
import { CLIENT_FRAME_TYPES, SERVER_FRAME_TYPES } from '#shared/protocol'
import { commitObserver, countClose, countSent, framesReceived, readings, registry } from '../../../server/metrics/registry'
import { pool } from '../../../server/utils/pool'
import type { Connection } from '../../../server/utils/pool'
import { metricTypes, parseMetrics, valueOf } from '../../support/metrics'

const scrape = async () => parseMetrics(await registry.metrics())

/** Label names that would make series grow with users, groups or what people write. */
const UNBOUNDED = /user|id$|name|conv|group$|text|cid|address|session|token|peer_id/i

describe('the metrics registry', () => {
  it('names every metric jizhan_…, with a help text, and labels only from fixed lists', async () => {
    const metrics = registry.getMetricsAsArray() as unknown as Array<{ name: string, help: string, labelNames?: string[] }>
    expect(metrics.length).toBeGreaterThan(15)
    for (const m of metrics) {
      expect(m.name).toMatch(/^jizhan_[a-z_]+$/)
      expect(m.help.length, m.name).toBeGreaterThan(20)
      for (const label of m.labelNames ?? []) expect(label, `${m.name}{${label}}`).not.toMatch(UNBOUNDED)
    }
  })

  it('exports every frame type, close code and kind at 0 before anything happened', async () => {
    const samples = await scrape()
    const received = samples.filter(s => s.name === 'jizhan_frames_received_total').map(s => s.labels.type)
    expect(received).toEqual([...CLIENT_FRAME_TYPES, 'invalid', 'rate_limited'])
    const sent = samples.filter(s => s.name === 'jizhan_frames_sent_total').map(s => s.labels.type)
    expect(sent).toEqual([...SERVER_FRAME_TYPES, 'invalid'])
    expect(valueOf(samples, 'jizhan_socket_closes_total', { code: '4009', by: 'server' })).toBe(0)
    expect(samples.filter(s => s.name === 'jizhan_rate_limited_total')).toHaveLength(9)
  })

  it('counts frames by type, an unknown text as invalid, and a close code it does not list as other', async () => {
    const before = await scrape()
    framesReceived.send.n += 2
    countSent('{"type":"ack","cid":"c"}')
    countSent('not a frame')
    countClose(4009, 'server')
    countClose(3999, 'peer')
    countClose(undefined, 'peer')
    const after = await scrape()
    const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels)
    expect(delta('jizhan_frames_received_total', { type: 'send' })).toBe(2)
    expect(delta('jizhan_frames_sent_total', { type: 'ack' })).toBe(1)
    expect(delta('jizhan_frames_sent_total', { type: 'invalid' })).toBe(1)
    expect(delta('jizhan_socket_closes_total', { code: '4009', by: 'server' })).toBe(1)
    expect(delta('jizhan_socket_closes_total', { code: 'other', by: 'peer' })).toBe(1)
    // No code in the close frame is 1005 (RFC 6455 §7.1.5).
    expect(delta('jizhan_socket_closes_total', { code: '1005', by: 'peer' })).toBe(1)
  })

  it('reads sockets and users from the pool when scraped', async () => {
    const conn = (id: string, userId: number) => ({ id, user: { id: userId, username: `u${userId}` } }) as Connection
    const conns = [conn('a', 1), conn('b', 1), conn('c', 2)]
    for (const c of conns) pool.add(c)
    try {
      const samples = await scrape()
      expect(valueOf(samples, 'jizhan_sockets_open')).toBe(3)
      expect(valueOf(samples, 'jizhan_users_online')).toBe(2)
    }
    finally {
      for (const c of conns) pool.remove(c)
    }
    expect(valueOf(await scrape(), 'jizhan_sockets_open')).toBe(0)
  })

  it('observes commit batches as histograms by database and kind', async () => {
    const observe = commitObserver('sqlite', 'direct')
    observe(3, 2)
    observe(40, 12)
    const samples = await scrape()
    const labels = { store: 'sqlite', kind: 'direct' }
    expect(valueOf(samples, 'jizhan_commit_batch_size_count', labels)).toBe(2)
    expect(valueOf(samples, 'jizhan_commit_batch_size_sum', labels)).toBe(43)
    expect(valueOf(samples, 'jizhan_commit_batch_size_bucket', { ...labels, le: '5' })).toBe(1)
    expect(valueOf(samples, 'jizhan_commit_duration_seconds_sum', labels)).toBeCloseTo(0.014, 6)
    expect(valueOf(samples, 'jizhan_commit_duration_seconds_bucket', { ...labels, le: '0.0025' })).toBe(1)
  })

  it('shows the database queues their owners report, and 0 where there is none', async () => {
    const text = await registry.metrics()
    expect(metricTypes(text).get('jizhan_db_pool_clients')).toBe('gauge')
    expect(valueOf(parseMetrics(text), 'jizhan_db_pool_clients', { state: 'total' })).toBe(0)
    expect(valueOf(parseMetrics(text), 'jizhan_sqlite_writer_requests')).toBe(0)
    readings.dbPool = () => ({ total: 10, idle: 0, waiting: 4 })
    readings.storeQueue.group = () => 7
    try {
      const samples = await scrape()
      expect(valueOf(samples, 'jizhan_db_pool_clients', { state: 'waiting' })).toBe(4)
      expect(valueOf(samples, 'jizhan_store_queue_items', { kind: 'group' })).toBe(7)
    }
    finally {
      readings.dbPool = undefined
      readings.storeQueue.group = undefined
    }
  })
})
