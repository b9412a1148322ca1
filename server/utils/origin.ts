/**
 * Whether a WebSocket upgrade's Origin may connect: the app's own host, or one listed in
 * NUXT_ALLOWED_ORIGINS. Browsers always send Origin on WebSocket handshakes, so this is the defence
 * against cross-site WebSocket hijacking with the user's cookie.
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

/** Parses the comma-separated allow-list into normalised origins, skipping blanks and junk. */
export function parseAllowedOrigins(value: string): string[] {
  return value.split(',').map(s => s.trim()).filter(Boolean).flatMap((s) => {
    try {
      return [new URL(s).origin]
    }
    catch {
      return []
    }
  })
}
