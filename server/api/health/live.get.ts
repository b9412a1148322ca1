import { instanceId } from '../../cluster/cluster'

/** Liveness for load balancers and orchestrators: the process answers HTTP. Names the instance, for diagnostics. */
export default defineEventHandler(() => ({ ok: true, instance: instanceId }))
