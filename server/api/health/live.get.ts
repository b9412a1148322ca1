/** Liveness for load balancers and orchestrators: the process answers HTTP. */
export default defineEventHandler(() => ({ ok: true }))
