import { instanceId } from '../../cluster/cluster'
import { relayTraffic } from '../../cluster/traffic'

/**
 * Liveness for load balancers and orchestrators: the process answers HTTP. Names the instance, for
 * diagnostics, and counts what its Redis connections carried and the reads that caused (numbers, no names or text).
 */
export default defineEventHandler(() => ({ ok: true, instance: instanceId, relay: { ...relayTraffic } }))
