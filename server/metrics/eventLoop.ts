import { monitorEventLoopDelay } from 'node:perf_hooks'

/**
 * Event-loop delay as a real Prometheus histogram, `jizhan_event_loop_delay_seconds`. prom-client's
 * default `nodejs_eventloop_lag_p99_seconds` & co. are gauges over the time since the last scrape
 * (each scrape resets them, so two Prometheus servers each see half, and they cannot be averaged
 * over instances or longer windows), and they include the sampling interval itself (an idle loop
 * shows ~10 ms). This one keeps cumulative buckets, so `histogram_quantile` over `rate()` works
 * for any window and any set of instances, and reports the delay past the interval.
 */

/** Bucket bounds in seconds: from a millisecond (healthy) to seconds (stalled). */
export const EVENT_LOOP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const

/** What is read from Node's sampler (its `IntervalHistogram`), in nanoseconds. */
export interface DelaySamples {
  count: number
  min: number
  max: number
  mean: number
  /** The value at percentile `p`, 0 < p ≤ 100. */
  percentile(p: number): number
}

/**
 * How many of the samples were at most `boundNs`: the highest percentile whose value is within the
 * bound (bisection over the sampler's percentiles, to 1e-4 %), times the count.
 */
export function countAtMost(samples: DelaySamples, boundNs: number): number {
  if (samples.count === 0 || samples.min > boundNs) return 0
  if (samples.max <= boundNs) return samples.count
  let lo = 0
  let hi = 100
  for (let i = 0; i < 20; i++) {
    const mid = (lo + hi) / 2
    if (samples.percentile(mid) <= boundNs) lo = mid
    else hi = mid
  }
  return Math.round(samples.count * lo / 100)
}

/**
 * The buckets' counts (cumulative, one per bound), the count and the sum in seconds of a batch of
 * samples taken every `resolutionNs`: each sample is the time between two runs of the sampler's
 * timer, so its delay is what passed beyond `resolutionNs`.
 */
export function toBuckets(samples: DelaySamples, resolutionNs: number, bounds: readonly number[] = EVENT_LOOP_BUCKETS): { buckets: number[], count: number, sum: number } {
  const buckets = bounds.map(b => countAtMost(samples, b * 1e9 + resolutionNs))
  const sum = samples.count === 0 ? 0 : Math.max(0, samples.mean - resolutionNs) * samples.count / 1e9
  return { buckets, count: samples.count, sum }
}

/** The histogram as a metric of prom-client's registry (it reads `get()` when scraped). */
export class EventLoopDelayMetric {
  readonly name = 'jizhan_event_loop_delay_seconds'
  readonly help = 'How late the event loop ran a timer beyond its interval (sampled every 10 ms while metrics are on).'
  readonly type = 'histogram'
  readonly aggregator = 'sum'
  readonly labelNames: string[] = []
  #buckets: number[] = EVENT_LOOP_BUCKETS.map(() => 0)
  #count = 0
  #sum = 0
  #monitor: ReturnType<typeof monitorEventLoopDelay> | undefined
  #resolutionNs = 0

  /** Starts sampling (once); until then the histogram stays empty. */
  start(resolutionMs = 10): void {
    if (this.#monitor) return
    this.#resolutionNs = resolutionMs * 1e6
    this.#monitor = monitorEventLoopDelay({ resolution: resolutionMs })
    this.#monitor.enable()
  }

  /** Stops sampling (what was sampled stays). */
  stop(): void {
    this.#drain()
    this.#monitor?.disable()
    this.#monitor = undefined
  }

  /** Adds what was sampled since the last read, and starts the sampler's next batch. */
  #drain(): void {
    const monitor = this.#monitor
    if (!monitor || monitor.count === 0) return
    const batch = toBuckets(monitor, this.#resolutionNs)
    batch.buckets.forEach((n, i) => (this.#buckets[i]! += n))
    this.#count += batch.count
    this.#sum += batch.sum
    monitor.reset()
  }

  async get() {
    this.#drain()
    const bucket = `${this.name}_bucket`
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: [
        ...EVENT_LOOP_BUCKETS.map((le, i) => ({ labels: { le }, value: this.#buckets[i]!, metricName: bucket })),
        { labels: { le: '+Inf' }, value: this.#count, metricName: bucket },
        { labels: {}, value: this.#sum, metricName: `${this.name}_sum` },
        { labels: {}, value: this.#count, metricName: `${this.name}_count` },
      ],
    }
  }

  reset(): void {
    this.#buckets = EVENT_LOOP_BUCKETS.map(() => 0)
    this.#count = 0
    this.#sum = 0
  }
}
