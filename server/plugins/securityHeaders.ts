import type { H3Event } from 'h3'
import { getRequestHeader, getRequestProtocol, setResponseHeaders } from 'h3'
import { contentSecurityPolicy, inlineHashes, securityHeaders } from '../http/securityHeaders'
import { useSettings } from '../infra/settings'

/**
 * Security headers on every HTTP response, and on pages a Content-Security-Policy that allows
 * exactly the inline blocks Nuxt rendered into that page (by hash: a page the service worker
 * cached keeps the header it came with, so it still matches). `nuxi dev` gets no CSP: Vite's hot
 * reload injects inline code the policy would block.
 */
export default defineNitroPlugin((nitroApp) => {
  nitroApp.hooks.hook('request', (event) => {
    setResponseHeaders(event, securityHeaders(cameOverHttps(event)))
    // Everything that is not a rendered page (API, /_nuxt assets, sw.js — whose policy binds the
    // worker) gets the policy without any inline allowance.
    if (!import.meta.dev) setResponseHeaders(event, { 'content-security-policy': contentSecurityPolicy({ host: getRequestHeader(event, 'host') }) })
  })

  nitroApp.hooks.hook('render:response', (response, { event }) => {
    const headers = response.headers ??= {}
    delete headers['x-powered-by']
    if (import.meta.dev || typeof response.body !== 'string' || !String(headers['content-type']).startsWith('text/html')) return
    headers['content-security-policy'] = contentSecurityPolicy({ host: getRequestHeader(event, 'host'), ...inlineHashes(response.body) })
  })
})

/** HTTPS directly, or by X-Forwarded-Proto only from the proxy NUXT_TRUST_PROXY says we sit behind. */
function cameOverHttps(event: H3Event): boolean {
  return getRequestProtocol(event, { xForwardedProto: useSettings().trustProxy }) === 'https'
}
