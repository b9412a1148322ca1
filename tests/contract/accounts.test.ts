import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { registerUser, uniqueName } from '../support/accounts'
import { httpUrl, setupBuiltServer, wsUrl } from '../support/server'
import { wsConnect } from '../support/wsClient'

const { dataDir, databaseUrl } = await setupBuiltServer()

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(httpUrl(path), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

async function errorMessage(res: Response): Promise<string> {
  const body = await res.json() as { data?: { message?: string } }
  return body.data?.message ?? ''
}

describe('accounts', () => {
  it('registers, signs in with a session cookie that is httpOnly and SameSite', async () => {
    const username = uniqueName()
    const res = await post('/api/auth/register', { username, password: 'password123' })
    expect(res.status).toBe(201)
    const cookie = res.headers.get('set-cookie')!
    expect(cookie).toMatch(/^jizhan_session=[\w-]{43};/)
    expect(cookie).toMatch(/HttpOnly/i)
    expect(cookie).toMatch(/SameSite=Lax/i)
    const session = await fetch(httpUrl('/api/auth/session'), { headers: { cookie: cookie.split(';')[0]! } })
    expect(await session.json()).toMatchObject({ user: { username } })
  })

  it('marks the cookie Secure when the request came over HTTPS through a proxy', async () => {
    const res = await post('/api/auth/register', { username: uniqueName(), password: 'password123' }, { 'x-forwarded-proto': 'https' })
    expect(res.headers.get('set-cookie')).toMatch(/Secure/i)
  })

  it('refuses a taken username, whatever its case, with 409', async () => {
    const user = await registerUser(httpUrl('/'))
    const res = await post('/api/auth/register', { username: user.username.toUpperCase(), password: 'password123' })
    expect(res.status).toBe(409)
    expect(await errorMessage(res)).toMatch(/taken/)
  })

  it.each([
    ['an empty username', { username: '', password: 'password123' }, /Username is required/],
    ['an over-long username', { username: 'x'.repeat(33), password: 'password123' }, /at most 32/],
    ['a short password', { username: 'someone', password: 'short' }, /at least 8/],
    ['an over-long password', { username: 'someone', password: 'x'.repeat(257) }, /at most 256/],
    ['a non-JSON body', 'username=x', /JSON/],
  ])('refuses registration with %s, saying why', async (_, body, message) => {
    const res = await post('/api/auth/register', body)
    expect(res.status).toBe(400)
    expect(await errorMessage(res)).toMatch(message)
  })

  it('accepts only JSON bodies, so a form on another site cannot sign anyone in', async () => {
    const res = await fetch(httpUrl('/api/auth/login'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=someone&password=password123',
    })
    expect(res.status).toBe(415)
  })

  it('ends the session a browser already had when it signs in again, closing that session\'s sockets', async () => {
    const [alice, bob] = await Promise.all([registerUser(httpUrl('/')), registerUser(httpUrl('/'))])
    const socket = await wsConnect(wsUrl(), { cookie: alice.cookie })
    await socket.next('welcome')
    const res = await post('/api/auth/login', { username: bob.username, password: 'password123' }, { cookie: alice.cookie })
    expect(res.status).toBe(200)
    expect((await socket.closed).code).toBe(4001)
    expect((await fetch(httpUrl('/api/auth/session'), { headers: { cookie: alice.cookie } })).status).toBe(401)
    const newCookie = res.headers.getSetCookie().map(c => c.split(';')[0]!).find(c => !c.endsWith('='))!
    const session = await fetch(httpUrl('/api/auth/session'), { headers: { cookie: newCookie } })
    expect(await session.json()).toMatchObject({ user: { username: bob.username } })
  })

  it('refuses a wrong password without saying whether the user exists', async () => {
    const user = await registerUser(httpUrl('/'))
    const wrong = await post('/api/auth/login', { username: user.username, password: 'wrong-password' })
    const unknown = await post('/api/auth/login', { username: uniqueName(), password: 'wrong-password' })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(await errorMessage(wrong)).toBe(await errorMessage(unknown))
  })

  it('refuses a sign-in with an empty field, saying which', async () => {
    const res = await post('/api/auth/login', { username: 'someone', password: '' })
    expect(res.status).toBe(400)
    expect(await errorMessage(res)).toMatch(/Password is required/)
  })

  it('never stores the password in plain text', async () => {
    await registerUser(httpUrl('/'), uniqueName(), 'plain-text-canary-123')
    if (databaseUrl) {
      const client = new pg.Client({ connectionString: databaseUrl })
      await client.connect()
      const { rows } = await client.query('SELECT password_hash FROM users')
      await client.end()
      expect(rows.length).toBeGreaterThan(0)
      for (const row of rows) expect(row.password_hash).toMatch(/^\$argon2id\$/)
      expect(JSON.stringify(rows)).not.toContain('plain-text-canary-123')
      return
    }
    const db = readFileSync(join(dataDir, 'jizhan.sqlite'))
    const wal = existsSync(join(dataDir, 'jizhan.sqlite-wal')) ? readFileSync(join(dataDir, 'jizhan.sqlite-wal')) : Buffer.alloc(0)
    expect(Buffer.concat([db, wal]).includes('plain-text-canary-123')).toBe(false)
  })

  it('requires a session for the conversation list', async () => {
    expect((await fetch(httpUrl('/api/conversations'))).status).toBe(401)
  })

  it('generates the session secret once into the data folder, private to its owner', async () => {
    await registerUser(httpUrl('/'))
    const secretFile = join(dataDir, 'session-secret')
    expect(readFileSync(secretFile, 'utf8')).toMatch(/^[0-9a-f]{64}$/)
    expect(statSync(secretFile).mode & 0o077).toBe(0)
  })
})
