import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { HSTS, contentSecurityPolicy, inlineHashes, securityHeaders } from '../../server/http/securityHeaders'

const hash = (text: string) => `sha256-${createHash('sha256').update(text).digest('base64')}`

describe('inlineHashes', () => {
  it('hashes inline scripts and styles byte for byte, as the browser does', () => {
    const config = 'window.__NUXT__={};window.__NUXT__.config={app:{buildId:"x"}}'
    const html = `<html><head><style>:root{--bg:#fff}</style></head><body><script>${config}</script></body></html>`
    expect(inlineHashes(html)).toEqual({ scripts: [hash(config)], styles: [hash(':root{--bg:#fff}')] })
  })

  it('skips scripts loaded by src and JSON data blocks, which never run inline', () => {
    const html = '<script type="module" src="/_nuxt/entry.js" crossorigin></script>'
      + '<script type="application/json" id="__NUXT_DATA__">[1]</script>'
      + '<script type="application/ld+json">{}</script>'
    expect(inlineHashes(html)).toEqual({ scripts: [], styles: [] })
  })

  it('lists a block repeated in the page once, and keeps empty blocks (they need a hash too)', () => {
    expect(inlineHashes('<script>a()</script><SCRIPT>a()</SCRIPT><style></style>')).toEqual({ scripts: [hash('a()')], styles: [hash('')] })
  })
})

describe('contentSecurityPolicy', () => {
  it('allows only our own origin, the given hashes and the socket on the page\'s host', () => {
    expect(contentSecurityPolicy({ host: 'chat.example.com', scripts: ['sha256-A'], styles: ['sha256-B'] })).toBe([
      `default-src 'self'`,
      `script-src 'self' 'sha256-A'`,
      `style-src 'self' 'sha256-B'`,
      `connect-src 'self' ws://chat.example.com wss://chat.example.com`,
      `object-src 'none'`,
      `base-uri 'none'`,
      `form-action 'self'`,
      `frame-ancestors 'none'`,
    ].join('; '))
  })

  it('keeps ports and IPv6 hosts, and leaves out a Host that could smuggle in a directive', () => {
    expect(contentSecurityPolicy({ host: '127.0.0.1:3000' })).toContain(`connect-src 'self' ws://127.0.0.1:3000 wss://127.0.0.1:3000;`)
    expect(contentSecurityPolicy({ host: '[::1]:3000' })).toContain('ws://[::1]:3000')
    for (const host of [`evil.example; script-src 'unsafe-inline'`, 'a b', '', null, undefined]) {
      expect(contentSecurityPolicy({ host })).toContain(`connect-src 'self';`)
    }
  })

  it('never allows unsafe-inline or eval', () => {
    expect(contentSecurityPolicy({ host: 'x', scripts: [hash('a')], styles: [hash('b')] })).not.toMatch(/unsafe/)
  })
})

describe('securityHeaders', () => {
  it('forbids framing and sniffing and sends no referrer, with HSTS only over HTTPS', () => {
    const plain = securityHeaders(false)
    expect(plain).toEqual({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' })
    expect(securityHeaders(true)).toEqual({ ...plain, 'strict-transport-security': HSTS })
  })
})
