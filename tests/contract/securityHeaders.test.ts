import { createHash } from 'node:crypto'
import { request } from 'node:http'
import { afterAll, describe, expect, it } from 'vitest'
import { httpUrl, setupBuiltServer, UNLIMITED } from '../support/server'
import { ServerProcess, freePort } from '../support/serverProcess'

// This server sits behind a (pretend) reverse proxy: it trusts X-Forwarded-Proto.
await setupBuiltServer({ NUXT_TRUST_PROXY: 'true' })

/** The directives of a Content-Security-Policy header, each with its sources. */
function directives(header: string | null): Record<string, string[]> {
  expect(header).toBeTruthy()
  return Object.fromEntries(header!.split(';').map(d => d.trim().split(/\s+/)).filter(d => d[0]).map(([name, ...values]) => [name!, values]))
}

const hashOf = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`

/** What a browser would execute inline: <script> blocks without src that are not JSON data. */
function inlineScripts(html: string): string[] {
  return [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)]
    .filter(([, attrs]) => !/\bsrc=/.test(attrs!) && !/application\/json/.test(attrs!))
    .map(([, , body]) => body!)
}

function expectCommonHeaders(res: Response) {
  expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  expect(res.headers.get('x-frame-options')).toBe('DENY')
  expect(res.headers.get('referrer-policy')).toBe('no-referrer')
  expect(res.headers.get('x-powered-by')).toBeNull()
  expect(directives(res.headers.get('content-security-policy'))['frame-ancestors']).toEqual([`'none'`])
}

describe('security headers', () => {
  it('serve a page with a strict CSP that allows exactly its own inline scripts and styles', async () => {
    const res = await fetch(httpUrl('/login'))
    expect(res.status).toBe(200)
    expectCommonHeaders(res)
    const html = await res.text()
    const csp = directives(res.headers.get('content-security-policy'))
    const scripts = inlineScripts(html)
    // Nuxt renders its runtime config inline (window.__NUXT__): it must be allowed by hash.
    expect(scripts.some(s => s.includes('window.__NUXT__'))).toBe(true)
    expect(csp['script-src']).toEqual([`'self'`, ...scripts.map(hashOf)])
    const styles = [...html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/g)].map(([, body]) => hashOf(body!))
    expect(csp['style-src']).toEqual([`'self'`, ...styles])
    expect(Object.values(csp).flat()).not.toContain(`'unsafe-inline'`)
    expect(Object.values(csp).flat()).not.toContain(`'unsafe-eval'`)
    expect(csp['default-src']).toEqual([`'self'`])
    expect(csp['object-src']).toEqual([`'none'`])
    // The page's socket goes to ws(s)://<the host it was loaded from>/_ws.
    const host = new URL(httpUrl('/')).host
    expect(csp['connect-src']).toEqual([`'self'`, `ws://${host}`, `wss://${host}`])
  })

  it('put the same headers on API answers, successful or not', async () => {
    const ok = await fetch(httpUrl('/api/health/live'))
    expect(ok.status).toBe(200)
    expectCommonHeaders(ok)
    const refused = await fetch(httpUrl('/api/conversations'))
    expect(refused.status).toBe(401)
    expectCommonHeaders(refused)
  })

  it('send HSTS only when the trusted proxy says the request came over HTTPS', async () => {
    const plain = await fetch(httpUrl('/login'))
    expect(plain.headers.get('strict-transport-security')).toBeNull()
    for (const path of ['/login', '/api/health/live']) {
      const res = await fetch(httpUrl(path), { headers: { 'x-forwarded-proto': 'https' } })
      expect(res.headers.get('strict-transport-security')).toMatch(/^max-age=\d{7,}/)
    }
  })

  it('keep a forged Host out of the policy', async () => {
    // fetch() always sends the real Host; node:http sends what we say.
    const csp = await new Promise<string | undefined>((resolve, reject) => {
      request(httpUrl('/login'), { headers: { host: `evil.example; script-src 'unsafe-inline'` } }, (res) => {
        res.resume()
        resolve(res.headers['content-security-policy'] as string | undefined)
      }).on('error', reject).end()
    })
    expect(directives(csp ?? null)['connect-src']).toEqual([`'self'`])
    expect(csp).not.toMatch(/evil|unsafe-inline/)
  })
})

describe('HSTS without a trusted proxy', () => {
  let direct: ServerProcess
  afterAll(() => direct?.dispose())

  it('ignores X-Forwarded-Proto from whoever sends it', async () => {
    direct = new ServerProcess(await freePort(), { ...UNLIMITED })
    await direct.start()
    const res = await fetch(`${direct.url}/login`, { headers: { 'x-forwarded-proto': 'https' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('strict-transport-security')).toBeNull()
  })
})

describe('unknown paths', () => {
  async function expectNotFoundJson(res: Response) {
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await res.json()).toMatchObject({ statusCode: 404, message: expect.any(String) })
    expectCommonHeaders(res)
  }

  it('answer 404 JSON under /api, whatever the method, instead of a redirect to sign-in', async () => {
    await expectNotFoundJson(await fetch(httpUrl('/api/nope'), { redirect: 'manual' }))
    await expectNotFoundJson(await fetch(httpUrl('/api/nope'), { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/json' }, body: '{}' }))
    await expectNotFoundJson(await fetch(httpUrl('/api/nope'), { method: 'DELETE', redirect: 'manual' }))
    await expectNotFoundJson(await fetch(httpUrl('/api/auth/nope'), { redirect: 'manual' }))
    await expectNotFoundJson(await fetch(httpUrl('/api'), { redirect: 'manual' }))
  })

  it('leave the existing API endpoints answering', async () => {
    expect((await fetch(httpUrl('/api/health/live'))).status).toBe(200)
    expect((await fetch(httpUrl('/api/auth/session'))).status).toBe(401)
    const login = await fetch(httpUrl('/api/auth/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'nobody-here', password: 'password123' }) })
    expect(login.status).toBe(401)
  })

  it('answer 404 for /metrics (JSON to a client asking for JSON), not a redirect to sign-in', async () => {
    await expectNotFoundJson(await fetch(httpUrl('/metrics'), { redirect: 'manual', headers: { accept: 'application/json' } }))
    const page = await fetch(httpUrl('/metrics'), { redirect: 'manual', headers: { accept: 'text/html' } })
    expect(page.status).toBe(404)
    expectCommonHeaders(page)
  })
})
