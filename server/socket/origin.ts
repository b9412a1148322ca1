/**
 * Whether a WebSocket upgrade's Origin may connect: the app's own host, or one listed in
 * NUXT_ALLOWED_ORIGINS (validated at start-up, shared/settings.ts). Browsers always send Origin on
 * WebSocket handshakes, so this is the defence against cross-site WebSocket hijacking with the
 * user's cookie. Pure.
 */
export function isOriginAllowed(origin: string, host: string | null, allowList: readonly string[]): boolean {
  let url: URL
  try {
    url = new URL(origin)
  }
  catch {
    return false
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
  if (host !== null && url.host === host.toLowerCase()) return true
  return allowList.includes(url.origin)
}
