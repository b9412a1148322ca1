import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { registerUser, signIn, uniqueName } from '../support/accounts'
import { groupsApi } from '../support/groupsApi'
import { logRecords } from '../support/logLines'
import { UNLIMITED } from '../support/server'
import { ServerProcess, freePort } from '../support/serverProcess'
import { wsConnect } from '../support/wsClient'

/**
 * The log of a real run (docs/operations.md "Logs"): the built server at `debug`, driven through
 * sign-up, sign-in, a password change, a ticket, a group and messages, then stopped with SIGTERM.
 * Its whole output is JSON lines with one line per socket opened and closed, and none of the
 * secrets or words it was given appears anywhere in it.
 */
const unique = () => randomBytes(9).toString('hex')
const SESSION_SECRET = `session-secret-${unique()}-${unique()}`
const METRICS_TOKEN = `metrics-token-${unique()}`
const server = new ServerProcess(await freePort(), {
  ...UNLIMITED,
  NUXT_SESSION_SECRET: SESSION_SECRET,
  NUXT_METRICS_TOKEN: METRICS_TOKEN,
  NUXT_LOG_LEVEL: 'debug',
  NUXT_WS_MAX_FRAME_BYTES: '2048',
})
afterAll(() => server.dispose())

const cookieValue = (cookie: string) => cookie.slice(cookie.indexOf('=') + 1)

describe('the server log', () => {
  const secrets: Record<string, string> = { 'the session secret': SESSION_SECRET, 'the metrics token': METRICS_TOKEN }
  let records: Array<Record<string, unknown>> = []
  let aliceId = 0
  let bobId = 0

  it('runs through accounts, a ticket, a group and messages, then stops', async () => {
    await server.start()
    const password = `pw-${unique()}`
    const newPassword = `pw-new-${unique()}`
    const alice = await registerUser(server.url, uniqueName('logs'), password)
    const bob = await registerUser(server.url)
    aliceId = alice.id
    bobId = bob.id
    const again = await signIn(server.url, alice.username, password)
    expect(again.status).toBe(200)
    const wrongPassword = `wrong-${unique()}`
    expect((await signIn(server.url, alice.username, wrongPassword)).status).toBe(401)
    Object.assign(secrets, {
      'the password': password, 'the new password': newPassword, 'a wrong password': wrongPassword,
      'the first session cookie': cookieValue(alice.cookie), 'the second session cookie': cookieValue(again.cookie!),
      'bob\'s session cookie': cookieValue(bob.cookie),
    })

    const groupName = `group-name-${unique()}`
    secrets['the group name'] = groupName
    const group = await groupsApi(server.url).create(alice, [bob], groupName)

    // /metrics with the token, and with a wrong one: neither may put a token in the log.
    const wrongToken = `wrong-metrics-token-${unique()}`
    secrets['a wrong metrics token'] = wrongToken
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(200)
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${wrongToken}` } })).status).toBe(401)

    const ticketRes = await fetch(`${server.url}/api/auth/ticket`, { method: 'POST', headers: { cookie: bob.cookie } })
    const { ticket, protocols } = await ticketRes.json() as { ticket: string, protocols: string[] }
    secrets['the ticket'] = ticket
    const ws = `${server.url.replace(/^http/, 'ws')}/_ws`
    const a = await wsConnect(ws, { cookie: alice.cookie })
    const b = await wsConnect(ws, { origin: null, protocols })
    for (const c of [a, b]) {
      const { head } = await c.next('welcome')
      c.send({ type: 'resume', cursor: head })
      await c.next('synced')
    }

    const direct = `direct-text-${unique()}`
    const inGroup = `group-text-${unique()}`
    const invalid = `invalid-frame-text-${unique()}`
    const oversized = `oversized-text-${unique()}`
    Object.assign(secrets, { 'a direct message': direct, 'a group message': inGroup, 'an invalid frame\'s text': invalid, 'an oversized frame\'s text': oversized })
    a.send({ type: 'send', cid: 'c1', to: bob.id, text: direct })
    await a.next('ack')
    a.send({ type: 'groupSend', cid: 'c2', conv: group.conv, text: inGroup })
    await a.next('ack')
    expect((await b.next('message')).text).toBe(direct)
    a.send({ type: 'send', cid: 'c3', to: 'nobody', text: invalid })
    await a.next('error')

    // Alice closes her socket herself; Bob's is closed by the server when he signs out everywhere (4001).
    a.close()
    expect(await a.closed).toMatchObject({ code: 1005 })
    const out = await fetch(`${server.url}/api/auth/logout`, { method: 'POST', headers: { 'cookie': bob.cookie, 'content-type': 'application/json' }, body: '{"everywhere":true}' })
    expect(out.status).toBeLessThan(300)
    expect(await b.closed).toMatchObject({ code: 4001 })

    const changed = await fetch(`${server.url}/api/auth/password`, {
      method: 'POST',
      headers: { 'cookie': again.cookie!, 'content-type': 'application/json' },
      body: JSON.stringify({ currentPassword: password, newPassword }),
    })
    expect(changed.status).toBe(200)

    // A frame over the limit: the WebSocket layer refuses it (1009) and reports a socket error.
    const c = await wsConnect(ws, { cookie: (await signIn(server.url, alice.username, newPassword)).cookie })
    c.send({ type: 'send', cid: 'c4', to: bob.id, text: oversized.repeat(200) })
    expect((await c.closed).code).toBe(1009)
    // The server may see that close a moment after the client does.
    for (let i = 0; i < 50 && logRecords(server.log).filter(r => r.msg === 'connection closed').length < 3; i++) await new Promise(r => setTimeout(r, 20))

    await server.kill('SIGTERM')
    records = logRecords(server.log)
  }, 60_000)

  it('is JSON lines, each with time, level, message and instance (Nitro\'s own "Listening on" line aside)', () => {
    const lines = server.log.split('\n').filter(l => l.trim() !== '' && !l.startsWith('Listening on'))
    expect(lines.length).toBeGreaterThan(5)
    expect(records).toHaveLength(lines.length)
    const instances = new Set(records.map(r => r.instance))
    expect(instances.size).toBe(1)
    for (const r of records) {
      expect(typeof r.time === 'string' && !Number.isNaN(Date.parse(r.time)), JSON.stringify(r)).toBe(true)
      expect(['debug', 'info', 'warn', 'error']).toContain(r.level)
      expect(typeof r.msg).toBe('string')
      expect(r.instance).toMatch(/^[0-9a-f]{12}$/)
    }
  })

  it('has one info line per socket opened and one per socket closed, with user, code and duration', () => {
    const opened = records.filter(r => r.msg === 'connection opened')
    const closed = records.filter(r => r.msg === 'connection closed')
    expect(opened.map(r => r.user)).toEqual([aliceId, bobId, aliceId])
    expect(closed).toHaveLength(3)
    for (const r of [...opened, ...closed]) expect(r).toMatchObject({ level: 'info', conn: expect.any(String), instance: expect.any(String) })
    const closeOf = (user: number, code: number) => closed.find(r => r.user === user && r.code === code)
    expect(closeOf(aliceId, 1005)).toMatchObject({ by: 'client', durationMs: expect.any(Number), framesIn: 4 })
    expect(closeOf(bobId, 4001)).toMatchObject({ by: 'server', durationMs: expect.any(Number), framesIn: 1 })
    // Cut by the WebSocket layer itself (a frame over the limit): the socket reports 1006, after a warning.
    const cut = closeOf(aliceId, 1006)
    expect(cut).toMatchObject({ by: 'client', framesIn: 0 })
    expect(records.find(r => r.msg === 'socket error' && r.conn === cut!.conn)).toMatchObject({ level: 'warn', user: aliceId, err: { message: expect.stringContaining('Max payload size exceeded') } })
    for (const r of closed) expect(r.durationMs as number).toBeGreaterThanOrEqual(0)
    // Each socket's lines share its id.
    expect(new Set(closed.map(r => r.conn))).toEqual(new Set(opened.map(r => r.conn)))
  })

  it('says when the server starts and drains', () => {
    expect(records.find(r => r.msg === 'starting')).toMatchObject({ level: 'info', storage: expect.any(String), metrics: true, retentionDays: 0 })
    expect(records.find(r => r.msg === 'draining')).toMatchObject({ level: 'info', sockets: 0 })
  })

  it('never contains a password, a session cookie, the ticket, the session secret, a token, message text or a group name', () => {
    expect(Object.keys(secrets)).toHaveLength(15)
    if (server.database?.NUXT_DATABASE_URL) {
      const { password } = new URL(server.database.NUXT_DATABASE_URL)
      if (password) secrets['the database password'] = decodeURIComponent(password)
    }
    for (const [what, value] of Object.entries(secrets)) {
      expect(value.length, what).toBeGreaterThanOrEqual(8)
      expect(server.log.includes(value), `${what} is in the log`).toBe(false)
    }
  })
})
