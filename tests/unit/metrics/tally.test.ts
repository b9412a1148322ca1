import { Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { talliedHistogram } from '../../../server/metrics/tally'

describe('a tallied histogram', () => {
  it('exports what prom-client\'s own histogram exports for the same observations', async () => {
    const ours = new Registry()
    const theirs = new Registry()
    const buckets = [0.001, 0.01, 0.1, 1]
    const tallied = talliedHistogram(ours, { name: 'h_seconds', help: 'h', labelNames: ['kind'], buckets })
    const reference = new Histogram({ name: 'h_seconds', help: 'h', labelNames: ['kind'], buckets, registers: [theirs] })
    const a = tallied.series({ kind: 'a' })
    const b = tallied.series({ kind: 'b' })
    reference.zero({ kind: 'a' })
    reference.zero({ kind: 'b' })
    for (const v of [0.0005, 0.001, 0.05, 0.05, 3]) {
      a.observe(v)
      reference.labels('a').observe(v)
    }
    b.observe(0.2)
    reference.labels('b').observe(0.2)
    expect(await ours.metrics()).toBe(await theirs.metrics())
  })

  it('gives the same series for the same labels, so a second observer does not export it twice', async () => {
    const registry = new Registry()
    const tallied = talliedHistogram(registry, { name: 'h', help: 'h', labelNames: ['kind'], buckets: [1] })
    tallied.series({ kind: 'a' }).observe(0.5)
    tallied.series({ kind: 'a' }).observe(2)
    const text = await registry.metrics()
    expect(text.match(/^h_count\{kind="a"\} 2$/m)).not.toBeNull()
    expect(text.match(/h_count/g)).toHaveLength(1)
  })
})
