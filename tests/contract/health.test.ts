import { afterAll, describe, expect, it } from 'vitest'
import { UNLIMITED } from '../support/server'
import { ServerProcess, freePort } from '../support/serverProcess'

const server = new ServerProcess(await freePort(), UNLIMITED)
afterAll(() => server.dispose())

describe('health endpoints', () => {
  it('reports live and ready while the database answers', async () => {
    await server.start()
    const live = await fetch(`${server.url}/api/health/live`)
    expect(live.status).toBe(200)
    const ready = await fetch(`${server.url}/api/health/ready`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ ready: true })
  })

  it('answers readiness without a session (load balancers have none)', async () => {
    expect((await fetch(`${server.url}/api/health/ready`, { headers: { cookie: '' } })).status).toBe(200)
  })
})

// The database-unreachable case is shown on PostgreSQL (`npm run test:cluster`), where the server
// can lose its database; an embedded SQLite file cannot go away under a running process.
if (process.env.JIZHAN_TEST_DATABASE === 'postgres') {
  describe('health without a database', () => {
    it('turns not ready (503) when PostgreSQL is unreachable, and stays live', async () => {
      const port = await freePort()
      const broken = new ServerProcess(port, { NUXT_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' })
      broken.database = {}
      try {
        await broken.start().catch(() => {})
        const live = await fetch(`${broken.url}/api/health/live`)
        expect(live.status).toBe(200)
        const ready = await fetch(`${broken.url}/api/health/ready`)
        expect(ready.status).toBe(503)
        expect(await ready.json()).toMatchObject({ ready: false, reason: expect.stringMatching(/database unreachable/) })
      }
      finally {
        await broken.dispose()
      }
    })
  })
}
