import { afterEach, describe, expect, it, vi } from 'vitest'
import { CloseCode } from '#shared/protocol'
import { alone, setCluster } from '../../server/cluster/cluster'
import type { Cluster } from '../../server/cluster/cluster'
import { GroupCursors } from '../../server/socket/groupCursors'
import { StreamCursor } from '../../server/socket/stream'
import { pool } from '../../server/utils/pool'
import type { Connection } from '../../server/utils/pool'

// The stream head is read from the database on a user's first join (chat/heads.ts): here each read
// waits until the test answers it, which holds the joins at that step.
const reads: Array<{ resolve: (head: number) => void, reject: (error: Error) => void }> = []
vi.mock('../../server/chat/storage/reads', () => ({
  streamHead: () => new Promise<number>((resolve, reject) => reads.push({ resolve, reject })),
  peopleSharingWith: async () => new Set<number>(),
}))
const { join, leave } = await import('../../server/socket/membership')

/** A cluster whose subscriptions answer at once (`subscribed`), recording what is followed. */
function fakeCluster(subscribed = true) {
  const calls: string[] = []
  const cluster: Cluster = {
    ...alone,
    shared: true,
    follow: async (id) => {
      calls.push(`follow ${id}`)
      return subscribed
    },
    unfollow: id => void calls.push(`unfollow ${id}`),
  }
  setCluster(cluster)
  return calls
}

function fakeConnection(userId: number, id: string) {
  const conn = {
    id, user: { id: userId, username: `u${userId}` }, sessionHash: id, sessionExpiresAt: Infinity, lastSeenAt: 0, closed: false,
    stream: new StreamCursor(), groups: new GroupCursors(),
    sent: [] as Array<{ type: string }>,
    closedWith: undefined as number | undefined,
    send(text: string) {
      conn.sent.push(JSON.parse(text) as { type: string })
    },
    close(code: number) {
      conn.closedWith = code
    },
    terminate() {}, idle: async () => {}, room: async () => {}, enqueue() {},
  } satisfies Connection & Record<string, unknown>
  return conn
}

const opened: Connection[] = []
function open(userId: number, id: string) {
  const conn = fakeConnection(userId, id)
  opened.push(conn)
  return conn
}

afterEach(() => {
  for (const conn of opened.splice(0)) leave(conn)
  reads.splice(0)
  setCluster(alone)
})

describe('joining in a cluster', () => {
  it('keeps the user\'s channel when one of two first sockets closes while both wait for the stream head', async () => {
    const calls = fakeCluster()
    const a = open(1, 'a')
    const b = open(1, 'b')
    const joins = [join(a), join(b)]
    await vi.waitFor(() => expect(reads).toHaveLength(1)) // both wait for the one read
    leave(a) // a's tab closed before its welcome
    reads[0]!.resolve(4)
    await Promise.all(joins)
    expect(calls).toEqual(['follow 1', 'follow 1'])
    expect(pool.connectionsOf(1).has(b)).toBe(true)
    expect(b.sent.map(f => f.type)).toEqual(['welcome'])
    expect(a.sent).toEqual([])
    // The channel goes with the last socket.
    leave(b)
    expect(calls).toEqual(['follow 1', 'follow 1', 'unfollow 1'])
  })

  it('lets the channel go when the only joining socket closes before its welcome', async () => {
    const calls = fakeCluster()
    const a = open(2, 'a')
    const joining = join(a)
    await vi.waitFor(() => expect(reads).toHaveLength(1))
    leave(a)
    reads[0]!.resolve(0)
    await joining
    expect(calls).toEqual(['follow 2', 'unfollow 2'])
  })

  it('reads the stream head again for a later socket when the only joining one closed before its welcome', async () => {
    fakeCluster()
    const a = open(5, 'a')
    const first = join(a)
    await vi.waitFor(() => expect(reads).toHaveLength(1))
    leave(a)
    reads[0]!.resolve(3)
    await first
    // Unfollowed meanwhile, a cached head would fall behind what the other instances store.
    const b = open(5, 'b')
    const second = join(b)
    await vi.waitFor(() => expect(reads).toHaveLength(2))
    reads[1]!.resolve(7)
    await second
    expect(b.sent).toEqual([expect.objectContaining({ type: 'welcome', head: 7 })])
  })

  it('closes the socket with 1013 instead of welcoming it when the subscription was not confirmed', async () => {
    const calls = fakeCluster(false)
    const a = open(3, 'a')
    const joining = join(a)
    await vi.waitFor(() => expect(reads).toHaveLength(1))
    reads[0]!.resolve(9)
    await joining
    expect(a.closedWith).toBe(CloseCode.TryAgainLater)
    expect(a.sent).toEqual([])
    expect(pool.connectionsOf(3).size).toBe(0)
    expect(calls).toEqual(['follow 3', 'unfollow 3'])
  })

  it('lets the channel go when the join fails (the stream head unreadable)', async () => {
    const calls = fakeCluster()
    const a = open(4, 'a')
    const joining = join(a)
    await vi.waitFor(() => expect(reads).toHaveLength(1))
    reads[0]!.reject(new Error('database down'))
    await expect(joining).rejects.toThrow('database down')
    expect(calls).toEqual(['follow 4', 'unfollow 4'])
  })
})
