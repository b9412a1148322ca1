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

/** What a client words an error by: `data` without the English message. */
async function errorCode(res: Response): Promise<{ code?: string, params?: Record<string, number>, field?: string }> {
  const { data } = await res.json() as { data?: { code?: string, params?: Record<string, number>, field?: string } }
  return { code: data?.code, params: data?.params, field: data?.field }
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

  it('registers and signs in with a name in another script, typed in another width or case', async () => {
    const suffix = uniqueName('')
    const res = await post('/api/auth/register', { username: `小明_${suffix}`, password: 'password123' })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ user: { username: `小明_${suffix}` } })
    expect((await post('/api/auth/login', { username: `小明＿${suffix}`, password: 'password123' })).status).toBe(200)

    const alia = await post('/api/auth/register', { username: `Ａлия${suffix}`, password: 'password123' })
    expect(await alia.json()).toMatchObject({ user: { username: `Aлия${suffix}` } }) // stored NFKC
    const signIn = await post('/api/auth/login', { username: `AЛИЯ${suffix}`, password: 'password123' })
    expect(signIn.status).toBe(200)
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!
    const search = await fetch(httpUrl(`/api/users/search?q=${encodeURIComponent('小明')}`), { headers: { cookie } })
    expect((await search.json() as { users: { username: string }[] }).users.map(u => u.username)).toContain(`小明_${suffix}`)
  })

  it('refuses a name that differs from a taken one only by width, case or composition, with code username_taken', async () => {
    const name = `Jürgen${uniqueName('')}`
    await registerUser(httpUrl('/'), name)
    for (const variant of [name.toUpperCase(), name.replace('ü', 'u\u0308'), `Ｊ${name.slice(1)}`]) {
      const res = await post('/api/auth/register', { username: variant, password: 'password123' })
      expect(res.status, variant).toBe(409)
      expect(await errorCode(res)).toEqual({ code: 'username_taken', field: 'username', params: undefined })
    }
  })

  it.each([
    ['a right-to-left override', { username: 'ab\u202Ecd', password: 'password123' }, { code: 'username_characters', field: 'username' }],
    ['a zero-width space', { username: 'ab\u200Bcd', password: 'password123' }, { code: 'username_characters', field: 'username' }],
    ['an emoji', { username: 'ab😀', password: 'password123' }, { code: 'username_characters', field: 'username' }],
    ['one character', { username: '明', password: 'password123' }, { code: 'username_too_short', field: 'username', params: { min: 2 } }],
    ['33 characters', { username: '明'.repeat(33), password: 'password123' }, { code: 'username_too_long', field: 'username', params: { max: 32 } }],
    ['no username', { password: 'password123' }, { code: 'username_required', field: 'username' }],
    ['a short password', { username: 'someone', password: 'short' }, { code: 'password_too_short', field: 'password', params: { min: 8 } }],
  ])('refuses registration with %s by a code the client words, its numbers and the field', async (_, body, expected) => {
    const res = await post('/api/auth/register', body)
    expect(res.status).toBe(400)
    expect(await errorCode(res)).toEqual({ params: undefined, ...expected })
  })

  it('answers a wrong sign-in with code wrong_credentials', async () => {
    const res = await post('/api/auth/login', { username: uniqueName(), password: 'wrong-password' })
    expect(res.status).toBe(401)
    expect(await errorCode(res)).toEqual({ code: 'wrong_credentials', params: undefined, field: undefined })
  })

  it('answers a refused password change by code and field', async () => {
    const user = await registerUser(httpUrl('/'))
    const change = (body: object) => post('/api/auth/password', body, { cookie: user.cookie })
    expect(await errorCode(await change({ currentPassword: 'not-it-at-all', newPassword: 'new-password-456' })))
      .toEqual({ code: 'wrong_password', field: 'currentPassword', params: undefined })
    expect(await errorCode(await change({ currentPassword: 'password123', newPassword: 'short' })))
      .toEqual({ code: 'password_too_short', field: 'newPassword', params: { min: 8 } })
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
