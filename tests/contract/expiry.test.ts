import { describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { httpUrl, setupBuiltServer, wsUrl } from '../support/server'
import { wsConnect } from '../support/wsClient'

// Sessions of two seconds, so expiry happens during the test.
await setupBuiltServer({ NUXT_SESSION_MAX_AGE_SECONDS: '2' })

describe('session expiry', () => {
  it('closes the sockets of an expired session with 4001 and refuses the session afterwards', async () => {
    const alice = await registerUser(httpUrl('/'))
    const client = await wsConnect(wsUrl(), { cookie: alice.cookie })
    await client.next('welcome')
    const stop = client.keepAlive()
    expect(await client.next('error', 5000)).toMatchObject({ code: 'session_ended' })
    expect((await client.closed).code).toBe(4001)
    stop()
    expect((await fetch(httpUrl('/api/auth/session'), { headers: { cookie: alice.cookie } })).status).toBe(401)
  })

  it('refuses a ticket whose session has expired', async () => {
    const bot = await registerUser(httpUrl('/'))
    const res = await fetch(httpUrl('/api/auth/ticket'), { method: 'POST', headers: { cookie: bot.cookie } })
    const { protocols } = await res.json() as { protocols: string[] }
    await new Promise(r => setTimeout(r, 2100))
    await expect(wsConnect(wsUrl(), { origin: null, protocols })).rejects.toMatchObject({ status: 401 })
  })
})
