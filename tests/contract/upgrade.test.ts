import { describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { httpUrl, setupBuiltServer, wsUrl } from '../support/server'
import { UpgradeRefused, wsConnect } from '../support/wsClient'

await setupBuiltServer({ NUXT_ALLOWED_ORIGINS: 'https://partner.example' })

async function refusal(promise: Promise<unknown>): Promise<UpgradeRefused> {
  const error = await promise.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(UpgradeRefused)
  return error as UpgradeRefused
}

async function ticketFor(cookie: string): Promise<{ ticket: string, protocols: string[] }> {
  const res = await fetch(httpUrl('/api/auth/ticket'), { method: 'POST', headers: { cookie } })
  expect(res.status).toBe(200)
  return res.json()
}

describe('authenticated upgrade', () => {
  it('accepts a browser with its session cookie and same Origin, and welcomes it', async () => {
    const alice = await registerUser(httpUrl('/'))
    const client = await wsConnect(wsUrl(), { cookie: alice.cookie })
    expect(client.ws.protocol).toBe('jizhan.v1')
    const welcome = await client.next('welcome')
    expect(welcome.user).toEqual({ id: alice.id, username: alice.username })
    client.close()
  })

  it('refuses an upgrade without a session with 401', async () => {
    expect((await refusal(wsConnect(wsUrl()))).status).toBe(401)
  })

  it('refuses an unknown or forged session cookie with 401', async () => {
    const refused = await refusal(wsConnect(wsUrl(), { cookie: 'jizhan_session=forged-value' }))
    expect(refused.status).toBe(401)
  })

  it('refuses a foreign Origin with 403 even with a valid cookie', async () => {
    const alice = await registerUser(httpUrl('/'))
    const refused = await refusal(wsConnect(wsUrl(), { cookie: alice.cookie, origin: 'https://evil.example' }))
    expect(refused.status).toBe(403)
  })

  it('accepts an Origin from the configured allow-list', async () => {
    const alice = await registerUser(httpUrl('/'))
    const client = await wsConnect(wsUrl(), { cookie: alice.cookie, origin: 'https://partner.example' })
    await client.next('welcome')
    client.close()
  })

  it('refuses cookie authentication without an Origin (not a browser: use a ticket)', async () => {
    const alice = await registerUser(httpUrl('/'))
    expect((await refusal(wsConnect(wsUrl(), { cookie: alice.cookie, origin: null }))).status).toBe(403)
  })

  it('accepts a non-browser client by a ticket offered as the second subprotocol', async () => {
    const bot = await registerUser(httpUrl('/'))
    const { protocols } = await ticketFor(bot.cookie)
    expect(protocols[0]).toBe('jizhan.v1')
    const client = await wsConnect(wsUrl(), { origin: null, protocols })
    // The server echoes the first protocol, never the ticket.
    expect(client.ws.protocol).toBe('jizhan.v1')
    expect((await client.next('welcome')).user).toMatchObject({ id: bot.id })
    client.close()
  })

  it('refuses a ticket offered as the first subprotocol, where it would be echoed back', async () => {
    const bot = await registerUser(httpUrl('/'))
    const { ticket } = await ticketFor(bot.cookie)
    const refused = await refusal(wsConnect(wsUrl(), { origin: null, protocols: [`ticket.${ticket}`, 'jizhan.v1'] }))
    expect(refused.status).toBe(400)
    expect(refused.body).toMatch(/first subprotocol/)
  })

  it('refuses a client that does not offer the protocol version first', async () => {
    const alice = await registerUser(httpUrl('/'))
    for (const protocols of [[], ['chat'], ['chat', 'jizhan.v1']]) {
      const refused = await refusal(wsConnect(wsUrl(), { cookie: alice.cookie, protocols }))
      expect(refused.status).toBe(400)
      expect(refused.body).toMatch(/jizhan\.v1/)
    }
  })

  it('accepts a ticket once only', async () => {
    const bot = await registerUser(httpUrl('/'))
    const { protocols } = await ticketFor(bot.cookie)
    const client = await wsConnect(wsUrl(), { origin: null, protocols })
    client.close()
    expect((await refusal(wsConnect(wsUrl(), { origin: null, protocols }))).status).toBe(401)
  })

  it('refuses a made-up ticket with 401', async () => {
    const refused = await refusal(wsConnect(wsUrl(), { origin: null, protocols: ['jizhan.v1', 'ticket.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] }))
    expect(refused.status).toBe(401)
  })

  it('issues tickets only to signed-in users', async () => {
    const res = await fetch(httpUrl('/api/auth/ticket'), { method: 'POST' })
    expect(res.status).toBe(401)
  })
})
