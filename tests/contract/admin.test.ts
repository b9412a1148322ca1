import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { registerUser, signIn } from '../support/accounts'
import { httpUrl, rootDir, setupBuiltServer, wsUrl } from '../support/server'
import { runProgram } from '../support/runProgram'
import type { ProgramRun } from '../support/runProgram'
import { UpgradeRefused, connectSynced, wsConnect } from '../support/wsClient'

/**
 * The operator's command line as a separate process next to a running server, as an operator runs
 * it: `npm run admin` (scripts/admin.mjs, from source) and the build's own
 * `.output/server/admin.mjs`, on the server's database (SQLite here; PostgreSQL under
 * `npm run test:cluster`). What it does reaches the server through the database (no Redis here):
 * a disabled account's socket closes with 4003, revoked sessions' with 4001, within a second.
 */
const { dataDir, databaseUrl } = await setupBuiltServer()

const PROGRAMS = { npm: join(rootDir, 'scripts/admin.mjs'), build: join(rootDir, '.output/server/admin.mjs') }

/** Runs the command line with the server's settings; its exit code, output and when it ended. */
function admin(args: string[], { stdin = '', program = 'npm' as keyof typeof PROGRAMS } = {}): Promise<ProgramRun> {
  return runProgram(PROGRAMS[program], args, { stdin, env: { NUXT_DATA_DIR: dataDir, ...(databaseUrl ? { NUXT_DATABASE_URL: databaseUrl } : {}) } })
}

/** When a socket closed, with its code: what the server did, and how long after the command ended. */
function closeOf(client: { closed: Promise<{ code: number }> }) {
  return client.closed.then(({ code }) => ({ code, at: Date.now() }))
}

describe('the operator\'s command line next to a running server', () => {
  it('disables an account: its socket closes with 4003 within a second, sign-in says account_disabled; enabling lets it in', async () => {
    const [ann, bystander] = await Promise.all([registerUser(httpUrl('/')), registerUser(httpUrl('/'))])
    const { client } = await connectSynced(wsUrl(), ann.cookie)
    const { client: other } = await connectSynced(wsUrl(), bystander.cookie)
    const closed = closeOf(client)

    const result = await admin(['users', 'disable', ann.username])
    expect(result, result.err).toMatchObject({ code: 0, out: expect.stringMatching(new RegExp(`^Disabled ${ann.username} \\(#${ann.id}\\): 1 session ended\\.\\nIts sockets close with 4003`)) })
    expect(await client.next('error', 3000)).toMatchObject({ type: 'error', code: 'account_disabled' })
    const { code, at } = await closed
    expect(code).toBe(4003)
    expect(at - result.endedAt).toBeLessThan(1000)

    const refused = await fetch(httpUrl('/api/auth/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: ann.username, password: 'password123' }) })
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ data: { code: 'account_disabled' } })
    // The old cookie lets nothing in, over HTTP or WebSocket.
    // The session check a client makes after a refused upgrade says why, so it shows the disabled message.
    const check = await fetch(httpUrl('/api/auth/session'), { headers: { cookie: ann.cookie } })
    expect(check.status).toBe(401)
    expect(await check.json()).toMatchObject({ data: { code: 'account_disabled' } })
    await expect(wsConnect(wsUrl(), { cookie: ann.cookie })).rejects.toBeInstanceOf(UpgradeRefused)
    // Nobody else was touched.
    expect(other.ws.readyState).toBe(other.ws.OPEN)
    other.close()

    const enabled = await admin(['users', 'enable', ann.username, '--json'])
    expect(JSON.parse(enabled.out)).toEqual({ user: { id: ann.id, username: ann.username }, wasDisabled: true })
    const back = await signIn(httpUrl('/'), ann.username)
    expect(back.status).toBe(200)
    const { client: again } = await connectSynced(wsUrl(), back.cookie!)
    again.close()
  })

  it('resets a password (the build\'s own program): every session\'s socket closes with 4001 and the printed password signs in', async () => {
    const bea = await registerUser(httpUrl('/'))
    const laptop = await signIn(httpUrl('/'), bea.username)
    const sockets = await Promise.all([bea.cookie, laptop.cookie!].map(cookie => connectSynced(wsUrl(), cookie)))
    const closes = sockets.map(s => closeOf(s.client))

    const result = await admin(['users', 'reset-password', `#${bea.id}`, '--json'], { program: 'build' })
    expect(result.code, result.err).toBe(0)
    const { password, sessionsEnded } = JSON.parse(result.out) as { password: string, sessionsEnded: number }
    expect(sessionsEnded).toBe(2)
    for (const s of sockets) expect(await s.client.next('error', 3000)).toMatchObject({ code: 'session_ended' })
    for (const c of await Promise.all(closes)) {
      expect(c.code).toBe(4001)
      expect(c.at - result.endedAt).toBeLessThan(1000)
    }
    expect((await signIn(httpUrl('/'), bea.username)).status).toBe(401)
    expect((await signIn(httpUrl('/'), bea.username, password)).status).toBe(200)
  })

  it('revokes one session by its id: that socket closes with 4001, the other session stays', async () => {
    const cal = await registerUser(httpUrl('/'))
    const phone = await signIn(httpUrl('/'), cal.username)
    const [first, second] = await Promise.all([cal.cookie, phone.cookie!].map(cookie => connectSynced(wsUrl(), cookie)))
    const listed = JSON.parse((await admin(['sessions', 'list', cal.username, '--json'])).out) as { sessions: Array<{ id: string }> }
    expect(listed.sessions).toHaveLength(2)
    // Newest first: the phone's.
    const result = await admin(['sessions', 'revoke', cal.username, '--id', listed.sessions[0]!.id])
    expect(result).toMatchObject({ code: 0, out: expect.stringMatching(/^Ended 1 session of /) })
    expect((await second!.client.closed).code).toBe(4001)
    expect(first!.client.ws.readyState).toBe(first!.client.ws.OPEN)
    expect((await fetch(httpUrl('/api/auth/session'), { headers: { cookie: cal.cookie } })).status).toBe(200)
    first!.client.close()
  })

  it('says how to use it: --help exits 0, a command it does not know exits 2 with a usage line', async () => {
    const help = await admin(['--help'])
    expect(help).toMatchObject({ code: 0, out: expect.stringMatching(/^Usage: node .*admin\.mjs COMMAND/) })
    expect(help.out).toContain('users reset-password NAME [--stdin]')
    const bad = await admin(['users', 'delete', 'x'])
    expect(bad).toMatchObject({ code: 2, out: '', err: expect.stringMatching(/^error: unknown command: users delete\nUsage: .*admin\.mjs COMMAND/) })
    const missing = await admin(['sessions', 'revoke', 'x'], { program: 'build' })
    expect(missing).toMatchObject({ code: 2, err: expect.stringMatching(/give either --all or --id PREFIX\nUsage: node .*admin\.mjs sessions revoke NAME \(--all \| --id PREFIX\)/) })
  })
})
