/**
 * The security headers every response carries, and the Content-Security-Policy of a page. Pure:
 * server/plugins/securityHeaders.ts applies them. What each header is for: docs/security.md.
 */
import { createHash } from 'node:crypto'

/** HSTS for a year, subdomains of the app's host included; sent only on requests that came over HTTPS. */
export const HSTS = 'max-age=31536000; includeSubDomains'

/** Headers for every response. `https`: the request reached us over TLS (directly or via the trusted proxy). */
export function securityHeaders(https: boolean): Record<string, string> {
  return {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    ...(https ? { 'strict-transport-security': HSTS } : {}),
  }
}

// A Host header as browsers send it: a name or IPv4 address, or a bracketed IPv6 address, with an
// optional port. Anything else (spaces, ';', quotes) never reaches the policy.
const HOST_RE = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i

export interface PolicySources {
  /** The Host the browser asked for; the page's socket goes to ws(s)://host/_ws. */
  host?: string | null
  /** 'sha256-…' sources of the page's own inline scripts and styles (see inlineHashes). */
  scripts?: readonly string[]
  styles?: readonly string[]
}

/**
 * The policy: everything from our own origin, nothing inline but the hashed blocks Nuxt renders,
 * no eval, no plugins, no framing, no <base> and forms only to us.
 */
export function contentSecurityPolicy({ host, scripts = [], styles = [] }: PolicySources = {}): string {
  // CSP3 lets 'self' match ws:/wss: on the same host, but older Safari does not: name the socket's
  // host explicitly. (ws: from an https page is mixed content and blocked anyway.)
  const socket = host && HOST_RE.test(host) ? [`ws://${host}`, `wss://${host}`] : []
  const directives: [string, readonly string[]][] = [
    ['default-src', [`'self'`]],
    ['script-src', [`'self'`, ...scripts.map(quoted)]],
    ['style-src', [`'self'`, ...styles.map(quoted)]],
    ['connect-src', [`'self'`, ...socket]],
    ['object-src', [`'none'`]],
    ['base-uri', [`'none'`]],
    ['form-action', [`'self'`]],
    ['frame-ancestors', [`'none'`]],
  ]
  return directives.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ')
}

const quoted = (source: string) => `'${source}'`

// Inline <script> and <style> elements. Their text is raw (never entity-decoded), so the bytes
// between the tags are exactly what the browser hashes.
const INLINE_RE = /<(script|style)\b([^>]*)>([\s\S]*?)<\/\1\s*>/gi
// Script types a browser never executes (data blocks such as Nuxt's __NUXT_DATA__ payload).
const DATA_TYPE_RE = /\btype\s*=\s*["']?(?:application\/(?:ld\+)?json)\b/i

/** The 'sha256-…' sources of a page's inline scripts and styles, in order, without repeats. */
export function inlineHashes(html: string): { scripts: string[], styles: string[] } {
  const scripts = new Set<string>()
  const styles = new Set<string>()
  for (const [, tag, attributes, body] of html.matchAll(INLINE_RE)) {
    if (tag!.toLowerCase() === 'style') {
      styles.add(sha256(body!))
    }
    else if (!/\bsrc\s*=/i.test(attributes!) && !DATA_TYPE_RE.test(attributes!)) {
      scripts.add(sha256(body!))
    }
  }
  return { scripts: [...scripts], styles: [...styles] }
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`
}
