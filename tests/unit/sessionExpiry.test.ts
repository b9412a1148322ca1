import { describe, expect, it } from 'vitest'
import { expireInPasses } from '../../server/auth/sessionExpiry'

/** A backlog of expired rows that each pass deletes up to `limit` of, as deleteExpiredSessions does. */
function backlog(sessions: number, tickets: number) {
  const left = { sessions, tickets }
  const calls: number[] = []
  const pass = async (limit: number) => {
    calls.push(limit)
    const done = { sessions: Math.min(limit, left.sessions), tickets: Math.min(limit, left.tickets) }
    left.sessions -= done.sessions
    left.tickets -= done.tickets
    return done
  }
  return { left, calls, pass }
}

describe('deleting expired sessions in passes', () => {
  it('goes on while a pass deleted a full batch, so a backlog past one batch is cleared in one run', async () => {
    const b = backlog(2500, 10)
    expect(await expireInPasses(b.pass, { batch: 1000, pauseMs: 0 })).toEqual({ sessions: 2500, tickets: 10, passes: 3 })
    expect(b.left).toEqual({ sessions: 0, tickets: 0 })
  })

  it('goes on for tickets alone too, and stops after a pass that found less than a batch', async () => {
    const b = backlog(0, 1000)
    // The second pass finds nothing: a full batch may have been the last one.
    expect(await expireInPasses(b.pass, { batch: 1000, pauseMs: 0 })).toEqual({ sessions: 0, tickets: 1000, passes: 2 })
  })

  it('stops after maxPasses (the next run goes on), and when the server is closing', async () => {
    const b = backlog(100, 0)
    expect(await expireInPasses(b.pass, { batch: 10, pauseMs: 0, maxPasses: 4 })).toEqual({ sessions: 40, tickets: 0, passes: 4 })
    let closing = false
    const c = backlog(100, 0)
    const pass = async (limit: number) => {
      closing = true
      return c.pass(limit)
    }
    expect(await expireInPasses(pass, { batch: 10, pauseMs: 0, stopped: () => closing })).toMatchObject({ passes: 1 })
  })

  it('pauses between passes, not after the last', async () => {
    const b = backlog(20, 0)
    const started = Date.now()
    await expireInPasses(b.pass, { batch: 10, pauseMs: 30 })
    // Three passes (10, 10, 0): two pauses.
    expect(b.calls).toHaveLength(3)
    expect(Date.now() - started).toBeGreaterThanOrEqual(55)
  })
})
