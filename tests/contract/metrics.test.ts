import { afterAll, describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { dashboardExprs, seriesNamesIn } from '../support/dashboard'
import { introduce } from '../support/groupsApi'
import { metricTypes, parseMetrics, valueOf } from '../support/metrics'
import type { Sample } from '../support/metrics'
import { UNLIMITED, httpUrl, setupBuiltServer, wsUrl } from '../support/server'
import { ServerProcess, freePort } from '../support/serverProcess'
import { connectSynced } from '../support/wsClient'
import type { Frame, WsClient } from '../support/wsClient'

const TOKEN = 'contract-test-metrics-token'
// A small message budget, so a burst is refused; everything else as in the other contract files.
await setupBuiltServer({ NUXT_METRICS_TOKEN: TOKEN, NUXT_MESSAGES_BURST: '6', NUXT_MESSAGES_PER_SECOND: '1' })

/** A second server, started without the setting. */
const PLAIN_PORT = await freePort()
const STORE = process.env.JIZHAN_TEST_DATABASE === 'postgres' ? 'postgresql' : 'sqlite'

async function scrape(): Promise<Sample[]> {
  const res = await fetch(httpUrl('/metrics'), { headers: { authorization: `Bearer ${TOKEN}` } })
  expect(res.status).toBe(200)
  return parseMetrics(await res.text())
}

/** Scrapes until `ready` holds (closes are counted when the closing handshake ends). */
async function scrapeUntil(ready: (samples: Sample[]) => boolean, timeoutMs = 3000): Promise<Sample[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const samples = await scrape()
    if (ready(samples) || Date.now() > deadline) return samples
    await new Promise(r => setTimeout(r, 50))
  }
}

/** The answer to each send (its ack or its error), by cid. */
async function answers(client: WsClient, cids: string[]): Promise<Map<string, Frame>> {
  const got = new Map<string, Frame>()
  while (got.size < cids.length) {
    const frame = await client.next()
    if ((frame.type === 'ack' || frame.type === 'error') && cids.includes(frame.cid as string)) got.set(frame.cid as string, frame)
  }
  return got
}

describe('/metrics with NUXT_METRICS_TOKEN', () => {
  it('answers 401 with WWW-Authenticate: Bearer to a request without the token or with another one', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-the-metrics-token' }, { authorization: `Basic ${TOKEN}` }] as Array<Record<string, string>>) {
      const res = await fetch(httpUrl('/metrics'), { headers, redirect: 'manual' })
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/)
      expect(await res.text()).not.toContain('# TYPE')
    }
  })

  it('serves the Prometheus text format, never cached, to the bearer of the token', async () => {
    const res = await fetch(httpUrl('/metrics'), { headers: { authorization: `Bearer ${TOKEN}` }, redirect: 'manual' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('no-store')
    const text = await res.text()
    expect(metricTypes(text).get('jizhan_frames_received_total')).toBe('counter')
    expect(metricTypes(text).get('jizhan_commit_duration_seconds')).toBe('histogram')
    // The process metrics sample from the start: the event loop has been measured already.
    expect(valueOf(parseMetrics(text), 'jizhan_event_loop_delay_seconds_count')).toBeGreaterThan(0)
    expect(valueOf(parseMetrics(text), 'process_resident_memory_bytes')).toBeGreaterThan(10_000_000)
  })

  it('moves as two people connect, write directly and in a group, get rate-limited and close', async () => {
    const [alice, bob] = await Promise.all([registerUser(httpUrl('/')), registerUser(httpUrl('/'))])
    const conv = await introduce(httpUrl('/'), [alice, bob])
    const before = await scrape()
    const delta = (after: Sample[], name: string, labels: Record<string, string> = {}) => valueOf(after, name, labels) - valueOf(before, name, labels)

    const [{ client: a }, { client: b }] = await Promise.all([connectSynced(wsUrl(), alice.cookie), connectSynced(wsUrl(), bob.cookie)])
    const connected = await scrape()
    expect(delta(connected, 'jizhan_sockets_open')).toBe(2)
    expect(delta(connected, 'jizhan_users_online')).toBe(2)
    expect(delta(connected, 'jizhan_frames_sent_total', { type: 'welcome' })).toBe(2)
    expect(delta(connected, 'jizhan_frames_received_total', { type: 'resume' })).toBe(2)

    // Two direct messages and one in the group: stored, relayed, acknowledged.
    a.send({ type: 'send', cid: 'd1', to: bob.id, text: 'one' })
    a.send({ type: 'send', cid: 'd2', to: bob.id, text: 'two' })
    a.send({ type: 'groupSend', cid: 'g1', conv, text: 'all of us' })
    expect([...(await answers(a, ['d1', 'd2', 'g1'])).values()].map(f => f.type)).toEqual(['ack', 'ack', 'ack'])
    await b.next('groupMessage')
    // A burst past the budget of 6 messages: some stored, the rest refused with rate_limited.
    const burst = Array.from({ length: 8 }, (_, i) => `burst${i}`)
    for (const cid of burst) a.send({ type: 'send', cid, to: bob.id, text: cid })
    const results = [...(await answers(a, burst)).values()]
    const refused = results.filter(f => f.type === 'error' && f.code === 'rate_limited').length
    const acked = results.filter(f => f.type === 'ack').length
    expect(refused).toBeGreaterThan(0)
    expect(refused + acked).toBe(8)
    // Garbage until the server closes the socket (1008), then both close theirs.
    const { client: c } = await connectSynced(wsUrl(), bob.cookie)
    for (let i = 0; i < 11; i++) c.send('garbage')
    expect((await c.closed).code).toBe(1008)
    a.ws.close(1000)
    b.close()
    await Promise.all([a.closed, b.closed])

    const after = await scrapeUntil(s => delta(s, 'jizhan_socket_closes_total', { code: '1000', by: 'peer' }) >= 1
      && delta(s, 'jizhan_socket_closes_total', { code: '1005', by: 'peer' }) >= 1)
    const direct = 2 + acked
    expect(delta(after, 'jizhan_sockets_open')).toBe(0)
    expect(delta(after, 'jizhan_users_online')).toBe(0)
    expect(delta(after, 'jizhan_frames_received_total', { type: 'send' })).toBe(2 + 8)
    expect(delta(after, 'jizhan_frames_received_total', { type: 'groupSend' })).toBe(1)
    expect(delta(after, 'jizhan_frames_received_total', { type: 'invalid' })).toBe(11)
    expect(delta(after, 'jizhan_frames_sent_total', { type: 'ack' })).toBe(direct + 1)
    expect(delta(after, 'jizhan_frames_sent_total', { type: 'message' })).toBe(direct)
    expect(delta(after, 'jizhan_frames_sent_total', { type: 'groupMessage' })).toBe(1)
    expect(delta(after, 'jizhan_frames_sent_total', { type: 'error' })).toBe(refused + 10)
    expect(delta(after, 'jizhan_frames_sent_total', { type: 'invalid' })).toBe(0)
    expect(delta(after, 'jizhan_messages_stored_total', { kind: 'direct' })).toBe(direct)
    expect(delta(after, 'jizhan_messages_stored_total', { kind: 'group' })).toBe(1)
    // Every stored message was in exactly one committed batch, each batch timed.
    const batches = delta(after, 'jizhan_commit_batch_size_count', { store: STORE, kind: 'direct' })
    expect(batches).toBeGreaterThanOrEqual(1)
    expect(batches).toBeLessThanOrEqual(direct)
    expect(delta(after, 'jizhan_commit_batch_size_sum', { store: STORE, kind: 'direct' })).toBe(direct)
    expect(delta(after, 'jizhan_commit_duration_seconds_count', { store: STORE, kind: 'direct' })).toBe(batches)
    expect(delta(after, 'jizhan_commit_batch_size_sum', { store: STORE, kind: 'group' })).toBe(1)
    expect(delta(after, 'jizhan_relay_duration_seconds_count', { kind: 'direct' })).toBe(direct)
    expect(delta(after, 'jizhan_relay_duration_seconds_count', { kind: 'group' })).toBe(1)
    expect(delta(after, 'jizhan_relay_duration_seconds_sum', { kind: 'direct' })).toBeGreaterThan(0)
    expect(delta(after, 'jizhan_rate_limited_total', { kind: 'messages' })).toBe(refused)
    expect(delta(after, 'jizhan_socket_closes_total', { code: '1008', by: 'server' })).toBe(1)
    expect(delta(after, 'jizhan_socket_closes_total', { code: '1000', by: 'peer' })).toBe(1)
    expect(delta(after, 'jizhan_socket_closes_total', { code: '1005', by: 'peer' })).toBe(1)
    expect(delta(after, 'jizhan_slow_consumer_disconnects_total')).toBe(0)
    // The database's own queue: PostgreSQL's pool (every transaction took a client from it), or
    // the SQLite writer thread's (nothing waiting now that everything was answered).
    expect(valueOf(after, 'jizhan_sqlite_writer_requests')).toBe(0)
    if (STORE === 'postgresql') {
      expect(valueOf(after, 'jizhan_db_pool_clients', { state: 'total' })).toBeGreaterThanOrEqual(1)
      expect(delta(after, 'jizhan_db_pool_acquire_seconds_count')).toBeGreaterThanOrEqual(batches)
    }
    else {
      expect(valueOf(after, 'jizhan_db_pool_clients', { state: 'total' })).toBe(0)
      expect(delta(after, 'jizhan_db_pool_acquire_seconds_count')).toBe(0)
    }
  })

  it('has every metric the Grafana dashboard queries', async () => {
    const text = await (await fetch(httpUrl('/metrics'), { headers: { authorization: `Bearer ${TOKEN}` } })).text()
    const types = metricTypes(text)
    const histograms = new Set([...types].filter(([, type]) => type === 'histogram').map(([name]) => name))
    for (const series of new Set(dashboardExprs().flatMap(e => seriesNamesIn(e)))) {
      const base = series.replace(/_(bucket|sum|count)$/, '')
      expect(types.has(series) || histograms.has(base), series).toBe(true)
    }
  })
})

describe('/metrics without NUXT_METRICS_TOKEN', () => {
  const server = new ServerProcess(PLAIN_PORT, UNLIMITED)
  afterAll(() => server.dispose())

  it('does not exist: 404, not a redirect to the sign-in page, whatever the request says', async () => {
    await server.start()
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }, { accept: 'text/html' }] as Array<Record<string, string>>) {
      const res = await fetch(`${server.url}/metrics`, { headers, redirect: 'manual' })
      expect(res.status).toBe(404)
      expect(await res.text()).not.toContain('# TYPE')
    }
  })
})
