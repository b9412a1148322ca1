import { describe, expect, it } from 'vitest'
import { checkDelivery, createLedger, soakVerdicts } from '../../bench/lib/soakChecks.mjs'

const device = (userId: number, received: Array<[string, number, string]>) =>
  ({ userId, received: new Map(received.map(([id, count, cid]) => [id, { count, cid }])) })

describe('the soak delivery check', () => {
  it('counts each acknowledged message once at every device of its recipient', () => {
    const ledger = createLedger()
    ledger.acked('1', 2, 'a.1')
    ledger.acked('2', 2, 'a.2')
    const result = checkDelivery(ledger, [device(2, [['1', 1, 'a.1'], ['2', 1, 'a.2']]), device(2, [['1', 1, 'a.1'], ['2', 1, 'a.2']]), device(1, [])])
    expect(result).toMatchObject({ acked: 2, expected: 4, once: 4, lost: 0, duplicates: 0, unexpected: 0, mismatched: 0 })
  })

  it('finds a message lost at one device, one applied twice, one nobody acknowledged and one with another text', () => {
    const ledger = createLedger()
    ledger.acked('1', 2, 'a.1')
    ledger.acked('2', 2, 'a.2')
    ledger.acked('3', 2, 'a.3')
    const result = checkDelivery(ledger, [device(2, [['1', 1, 'a.1'], ['2', 2, 'a.2'], ['3', 1, 'a.9'], ['4', 1, 'a.4']])])
    expect(result).toMatchObject({ expected: 3, once: 3, lost: 0, duplicates: 1, unexpected: 1, mismatched: 1 })
    expect(checkDelivery(ledger, [device(2, [['1', 1, 'a.1']])]).lost).toBe(2)
  })

  it('counts a cid acknowledged as two different messages, and not a repeated ack of the same one', () => {
    const ledger = createLedger()
    ledger.acked('1', 2, 'a.1')
    ledger.acked('1', undefined, 'a.1')
    expect(ledger.conflicts).toBe(0)
    ledger.acked('7', undefined, 'a.1')
    expect(ledger.conflicts).toBe(1)
  })
})

describe('the soak verdicts', () => {
  const MB = 2 ** 20
  const minute = (n: number, heapMb: number, fds: number, openSockets: number) => ({ minute: n, heapUsed: heapMb * MB, fds, openSockets })
  const delivery = { complete: true, acked: 10, expected: 10, once: 10, lost: 0, duplicates: 0, unexpected: 0, mismatched: 0, cidConflicts: 0, unacked: 0 }
  const run = (samples: ReturnType<typeof minute>[], more: Record<string, unknown> = {}) => Object.fromEntries(soakVerdicts({
    samples,
    idle: { before: 30, after: 31 },
    delivery,
    server: {},
    exercised: { reconnects: 5, bursts: 1, slowCut: 1 },
    ...more,
  }).map((v: { name: string, ok: boolean }) => [v.name, v.ok]))

  it('passes a run whose heap and descriptors come back to minute 2 levels', () => {
    expect(Object.values(run([minute(1, 30, 150, 100), minute(2, 40, 160, 100), minute(3, 43.9, 140, 80)])).every(Boolean)).toBe(true)
  })

  it('fails when /metrics serves more series at the end than at minute 2, and says nothing when it was not scraped', () => {
    const withSeries = (m: ReturnType<typeof minute>, metricSeries: number) => ({ ...m, metricSeries })
    expect(run([withSeries(minute(2, 40, 160, 100), 300), withSeries(minute(3, 40, 160, 100), 300)])['metric series bounded']).toBe(true)
    expect(run([withSeries(minute(2, 40, 160, 100), 300), withSeries(minute(3, 40, 160, 100), 301)])['metric series bounded']).toBe(false)
    expect(run([minute(2, 40, 160, 100), minute(3, 40, 160, 100)])).not.toHaveProperty('metric series bounded')
  })

  it('fails a heap more than 10 % above minute 2, and descriptors that grow besides the client sockets', () => {
    const verdicts = run([minute(2, 40, 160, 100), minute(3, 44.1, 200, 110)])
    expect(verdicts['heap after GC']).toBe(false)
    expect(verdicts['file descriptors under load']).toBe(false)
    expect(run([minute(2, 40, 160, 100)], { idle: { before: 30, after: 60 } })['ran long enough']).toBe(false)
    expect(run([minute(2, 40, 160, 100), minute(3, 40, 160, 100)], { idle: { before: 30, after: 60 } })['file descriptors at rest']).toBe(false)
  })

  it('fails a run that lost a message, left one unacknowledged, lost its server or never cut a slow consumer off', () => {
    const samples = [minute(2, 40, 160, 100), minute(3, 40, 160, 100)]
    expect(run(samples, { delivery: { ...delivery, lost: 1 } })['every acknowledged message delivered once']).toBe(false)
    expect(run(samples, { delivery: { ...delivery, unacked: 1 } })['every acknowledged message delivered once']).toBe(false)
    expect(run(samples, { server: { exited: 'SIGKILL' } })['server stayed up']).toBe(false)
    expect(run(samples, { exercised: { reconnects: 5, bursts: 1, slowCut: 0 } })['churn exercised']).toBe(false)
  })
})
