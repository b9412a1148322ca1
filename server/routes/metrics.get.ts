import { useSettings } from '../infra/settings'
import { metricsAccess } from '../metrics/access'
import { registry } from '../metrics/registry'

/**
 * This instance's metrics in the Prometheus text format (docs/operations.md), for whoever holds
 * NUXT_METRICS_TOKEN as a bearer token. Without the setting the route does not exist (404).
 */
export default defineEventHandler(async (event) => {
  const access = metricsAccess(useSettings().metricsToken, getRequestHeader(event, 'authorization'))
  if (access === 'off') throw createError({ statusCode: 404, statusMessage: 'Not Found' })
  if (access === 'denied') {
    setResponseHeader(event, 'www-authenticate', 'Bearer realm="metrics"')
    throw createError({ statusCode: 401, statusMessage: 'Unauthorized', message: 'The bearer token is missing or wrong.' })
  }
  setResponseHeaders(event, { 'content-type': registry.contentType, 'cache-control': 'no-store' })
  return await registry.metrics()
})
