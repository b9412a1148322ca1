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
