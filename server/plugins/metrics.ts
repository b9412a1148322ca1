import { useSettings } from '../infra/settings'
import { startProcessMetrics } from '../metrics/registry'

/**
 * With NUXT_METRICS_TOKEN set, /metrics is on: the process metrics (memory, CPU, GC, event-loop
 * delay) start sampling now, so the first scrape already has them. Without it nothing samples.
 */
export default defineNitroPlugin(() => {
  if (useSettings().metricsToken) startProcessMetrics()
})
