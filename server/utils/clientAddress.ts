/**
 * The address per-address limits count. Without a proxy it is the TCP peer. Behind a trusted
 * reverse proxy (NUXT_TRUST_PROXY=true) every client would share the proxy's address, so it is the
 * last X-Forwarded-For entry: the one our proxy appended (`$proxy_add_x_forwarded_for` in nginx).
 * Earlier entries came from the client and are never trusted. Pure.
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | null | undefined, trustProxy: boolean): string {
  if (trustProxy && forwardedFor) {
    const last = forwardedFor.split(',').map(s => s.trim()).filter(Boolean).at(-1)
    if (last) return last
  }
  return peer ?? 'unknown'
}

/** NUXT_TRUST_PROXY as a boolean (env values arrive as strings or booleans). */
export function trustsProxy(): boolean {
  const v = useRuntimeConfig().trustProxy as unknown
  return v === true || v === 'true' || v === '1'
}
