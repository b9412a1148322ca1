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
