import { describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { httpUrl, setupBuiltServer, wsUrl } from '../support/server'
import { wsConnect } from '../support/wsClient'

/**
 * What we rely on inside the pinned crossws 0.3.5 / nitropack 2.13 beyond their documented API, so an
 * upgrade that changes them fails here, not in production:
 * - crossws keeps the raw Node request as `_req` on the upgrade request: per-address limits read the
 *   client address from it (socket/upgrade.ts). Without it every client would count as one address.
 * - http-graceful-shutdown's `_isIdle` on upgraded sockets (socket/wsServer.ts): restart.test.ts
 *   fails when a socket sees anything but 1012 on shutdown.
 */
await setupBuiltServer({ NUXT_UPGRADES_BURST: '2', NUXT_UPGRADES_PER_SECOND: '1' })

describe('crossws internals', () => {
  it('counts upgrades per client address, read from the raw request (crossws `_req`)', async () => {
    const user = await registerUser(httpUrl('/'))
    const a = await wsConnect(wsUrl(), { cookie: user.cookie, localAddress: '127.0.0.1' })
    const b = await wsConnect(wsUrl(), { cookie: user.cookie, localAddress: '127.0.0.1' })
    await expect(wsConnect(wsUrl(), { cookie: user.cookie, localAddress: '127.0.0.1' })).rejects.toMatchObject({ status: 429 })
    // Another address has its own budget: the address really is the TCP peer's.
    const c = await wsConnect(wsUrl(), { cookie: user.cookie, localAddress: '127.0.0.2' })
    expect(await c.next('welcome')).toMatchObject({ type: 'welcome' })
    for (const client of [a, b, c]) client.close()
  })
})
