import { describe, expect, it } from 'vitest'
import { expiredConnections, silenceLimitMs, silentConnections } from '../../server/socket/heartbeat'

describe('server liveness sweep', () => {
  it('tolerates two missed pings plus the pong allowance', () => {
    expect(silenceLimitMs({ intervalMs: 25_000, timeoutMs: 10_000 })).toBe(60_000)
  })

  it('picks exactly the connections silent for longer than the limit', () => {
    const fresh = { lastSeenAt: 50_000 }
    const edge = { lastSeenAt: 40_000 }
    const silent = { lastSeenAt: 39_999 }
    expect(silentConnections([fresh, edge, silent], 100_000, 60_000)).toEqual([silent])
  })

  it('picks the connections whose session has expired', () => {
    const live = { sessionExpiresAt: 100_001 }
    const expired = { sessionExpiresAt: 100_000 }
    expect(expiredConnections([live, expired], 100_000)).toEqual([expired])
  })
})
