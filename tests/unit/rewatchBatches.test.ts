import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { GroupCursors } from '../../server/socket/groupCursors'
import { StreamCursor } from '../../server/socket/stream'
import { pool } from '../../server/utils/pool'
import type { Connection } from '../../server/utils/pool'

// Every contacts read is recorded (the database query a re-watch costs); everyone's contacts: 1.
const reads: number[] = []
vi.mock('../../server/chat/storage/reads', () => ({
  peopleSharingWith: async (userId: number) => {
    reads.push(userId)
    return new Set([1])
  },
}))
const watched: number[] = []
vi.mock('../../server/cluster/cluster', () => ({
  useCluster: () => ({ shared: true, watch: (userId: number) => void watched.push(userId) }),
}))
const { forgetAudiences } = await import('../../server/socket/presenceAudience')
await import('../../server/socket/watchContacts')

function fakeConnection(id: number): Connection {
  return {
    id: `c${id}`, user: { id, username: `u${id}` }, sessionHash: 'h', sessionExpiresAt: Infinity, lastSeenAt: 0, closed: false,
    stream: new StreamCursor(), groups: new GroupCursors(), send() {},
    close() {}, terminate() {}, enqueue() {}, idle: async () => {}, room: async () => {},
  }
}

const USERS = 500
beforeAll(() => {
  for (let id = 1; id <= USERS; id++) pool.add(fakeConnection(id))
})
afterEach(async () => {
  await vi.runAllTimersAsync()
  vi.useRealTimers()
  reads.splice(0)
  watched.splice(0)
})

describe('watching contacts again after their audiences were forgotten', () => {
  it('reads the contacts of everyone here in bounded batches after a resync, not all at once', async () => {
    vi.useFakeTimers()
    forgetAudiences()
    await vi.advanceTimersByTimeAsync(0)
    expect(reads).toHaveLength(200)
    await vi.advanceTimersByTimeAsync(100)
    expect(reads).toHaveLength(400)
    await vi.advanceTimersByTimeAsync(100)
    expect(new Set(reads).size).toBe(USERS)
    expect(new Set(watched).size).toBe(USERS)
    await vi.advanceTimersByTimeAsync(1000)
    expect(reads).toHaveLength(USERS)
  })

  it('re-watches the users a change named before the rest of a resync', async () => {
    vi.useFakeTimers()
    forgetAudiences()
    await vi.advanceTimersByTimeAsync(0)
    forgetAudiences([490, 491])
    await vi.advanceTimersByTimeAsync(100)
    expect(reads.slice(200, 202)).toEqual([490, 491])
    await vi.advanceTimersByTimeAsync(100)
    expect(reads.filter(id => id === 490)).toHaveLength(1)
  })

  it('reads the contacts of the named users who are here only', async () => {
    vi.useFakeTimers()
    forgetAudiences([3, 4, USERS + 1])
    await vi.advanceTimersByTimeAsync(0)
    expect(reads).toEqual([3, 4])
    expect(watched).toEqual([3, 4])
  })
})
