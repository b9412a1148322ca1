import { Counter } from 'prom-client'
import type { Registry } from 'prom-client'

/** One series of a tallied counter: the hot path adds to `n`, nothing else. */
export interface Tally { n: number }

/**
 * A counter with one label whose values are known in advance (frame types, close codes…). Each
 * value is a plain `{ n }` the hot path increments — no label hash, no allocation, unlike a
 * prom-client child, which hashes its labels on every `inc()` — and the counter reads them when
 * scraped. Every value is exported from the start (0 until it happens), so `rate()` sees the first one.
 */
export function talliedCounter<V extends string>(registry: Registry, config: { name: string, help: string, label: string, values: readonly V[] }): Record<V, Tally> {
  const tallies = Object.fromEntries(config.values.map(v => [v, { n: 0 }])) as Record<V, Tally>
  // (registered in `registry`, read through its `collect`)
  new Counter({
    name: config.name,
    help: config.help,
    labelNames: [config.label],
    registers: [registry],
    collect() {
      this.reset()
      for (const v of config.values) this.inc({ [config.label]: v }, tallies[v].n)
    },
  })
  return tallies
}

/**
 * The same for two labels (e.g. a close's code and who closed it): `tallies[a][b].n`.
 */
export function talliedCounter2<A extends string, B extends string>(registry: Registry, config: { name: string, help: string, labels: readonly [string, string], values: readonly [readonly A[], readonly B[]] }): Record<A, Record<B, Tally>> {
  const [as, bs] = config.values
  const tallies = Object.fromEntries(as.map(a => [a, Object.fromEntries(bs.map(b => [b, { n: 0 }]))])) as Record<A, Record<B, Tally>>
  const [la, lb] = config.labels
  // (registered in `registry`, read through its `collect`)
  new Counter({
    name: config.name,
    help: config.help,
    labelNames: [la, lb],
    registers: [registry],
    collect() {
      this.reset()
      for (const a of as) for (const b of bs) this.inc({ [la]: a, [lb]: b }, tallies[a][b].n)
    },
  })
  return tallies
}

/** One series of a tallied histogram: `observe` finds the value's bucket and adds to it. */
export interface TalliedSeries { observe(value: number): void }

/**
 * A histogram whose label combinations are known in advance, for what is observed per message or
 * per batch: each series is a few plain numbers, so an observation is a scan of the bounds and two
 * additions (a prom-client child hashes its labels into a new string on every `observe`). The
 * buckets are cumulated when scraped.
 */
export function talliedHistogram<L extends string>(registry: Registry, config: { name: string, help: string, labelNames: readonly L[], buckets: readonly number[] }) {
  const series: Array<{ labels: Record<L, string>, counts: number[], count: number, sum: number }> = []
  const bounds = config.buckets
  const metric = {
    name: config.name,
    help: config.help,
    type: 'histogram',
    aggregator: 'sum',
    labelNames: [...config.labelNames],
    async get() {
      const bucket = `${config.name}_bucket`
      return {
        name: config.name,
        help: config.help,
        type: 'histogram',
        aggregator: 'sum',
        values: series.flatMap(({ labels, counts, count, sum }) => {
          let cumulative = 0
          return [
            ...bounds.map((le, i) => ({ labels: { le, ...labels }, value: (cumulative += counts[i]!), metricName: bucket })),
            { labels: { le: '+Inf', ...labels }, value: count, metricName: bucket },
            { labels, value: sum, metricName: `${config.name}_sum` },
            { labels, value: count, metricName: `${config.name}_count` },
          ]
        }),
      }
    },
    reset() {
      for (const s of series) {
        s.counts.fill(0)
        s.count = 0
        s.sum = 0
      }
    },
  }
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0])
  return {
    /** The series of these labels, exported (empty) from now on; call once and keep it. */
    series(labels: Record<L, string>): TalliedSeries {
      const key = config.labelNames.map(l => labels[l]).join('\u0000')
      let s = series.find(one => config.labelNames.map(l => one.labels[l]).join('\u0000') === key)
      if (!s) series.push(s = { labels, counts: bounds.map(() => 0), count: 0, sum: 0 })
      const own = s
      return {
        observe(value) {
          own.count++
          own.sum += value
          for (let i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]!) return void own.counts[i]!++
          }
        },
      }
    },
  }
}
