import { describe, expect, it } from 'vitest'
import type { DelaySamples } from '../../../server/metrics/eventLoop'
import { EventLoopDelayMetric, countAtMost, toBuckets } from '../../../server/metrics/eventLoop'

const MS = 1e6

/** A sampler holding exactly these values (ns), answering percentiles as an HDR histogram would. */
function samplesOf(values: number[]): DelaySamples {
  const sorted = [...values].sort((a, b) => a - b)
  return {
    count: sorted.length,
    min: sorted[0] ?? 0,
    max: sorted.at(-1) ?? 0,
    mean: sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length),
    percentile: p => sorted[Math.max(0, Math.ceil(p / 100 * sorted.length) - 1)]!,
  }
}

describe('event-loop delay as histogram buckets', () => {
  it('counts the samples at most each bound', () => {
    const s = samplesOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(n => n * MS))
    expect(countAtMost(s, 0.5 * MS)).toBe(0)
    expect(countAtMost(s, 3 * MS)).toBe(3)
    expect(countAtMost(s, 7.5 * MS)).toBe(7)
    expect(countAtMost(s, 10 * MS)).toBe(10)
    expect(countAtMost(samplesOf([]), 10 * MS)).toBe(0)
  })

  it('reports the delay past the sampling interval, not the interval itself', () => {
    // An idle loop sampled every 10 ms: each sample is ~10.2 ms apart, a delay of ~0.2 ms.
    const idle = samplesOf(Array.from({ length: 100 }, () => 10.2 * MS))
    const { buckets, count, sum } = toBuckets(idle, 10 * MS, [0.001, 0.005])
    expect(buckets).toEqual([100, 100])
    expect(count).toBe(100)
    expect(sum).toBeCloseTo(100 * 0.0002, 6)
    // One stall of 40 ms among them shows in the 50 ms bucket only.
    const stalled = samplesOf([...Array.from({ length: 99 }, () => 10.2 * MS), 50 * MS])
    expect(toBuckets(stalled, 10 * MS, [0.001, 0.025, 0.05]).buckets).toEqual([99, 99, 100])
  })

  it('exports cumulative buckets, +Inf, sum and count, empty before it starts', async () => {
    const metric = new EventLoopDelayMetric()
    const { values, type } = await metric.get()
    expect(type).toBe('histogram')
    expect(values.find(v => v.labels.le === '+Inf')).toMatchObject({ value: 0, metricName: 'jizhan_event_loop_delay_seconds_bucket' })
    expect(values.find(v => v.metricName === 'jizhan_event_loop_delay_seconds_count')?.value).toBe(0)
  })

  it('measures a blocked loop once started', async () => {
    const metric = new EventLoopDelayMetric()
    metric.start(5)
    await new Promise(r => setTimeout(r, 30))
    const until = performance.now() + 60
    while (performance.now() < until) { /* block the loop for 60 ms */ }
    await new Promise(r => setTimeout(r, 30))
    const { values } = await metric.get()
    metric.stop()
    const bucket = (le: number | string) => values.find(v => v.labels.le === le)!.value
    expect(bucket('+Inf')).toBeGreaterThan(0)
    // The 60 ms stall is past the 25 ms bound, and most of the sum.
    expect(bucket(0.025)).toBeLessThan(bucket('+Inf'))
    expect(values.find(v => v.metricName === 'jizhan_event_loop_delay_seconds_sum')!.value).toBeGreaterThan(0.05)
    for (let i = 1; i < values.length - 2; i++) expect(values[i]!.value).toBeGreaterThanOrEqual(values[i - 1]!.value)
  })
})
