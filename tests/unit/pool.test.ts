import { GroupCursors } from '../../server/socket/groupCursors'
import { describe, expect, it } from 'vitest'
import { UserPool } from '../../server/utils/pool'
import type { Connection } from '../../server/utils/pool'
import { StreamCursor } from '../../server/socket/stream'

let next = 0
function fakeConn(userId: number, username = `user${userId}`): Connection {
  return {
    id: `c${++next}`,
    user: { id: userId, username },
    sessionHash: 's',
    sessionExpiresAt: Number.MAX_SAFE_INTEGER,
    lastSeenAt: 0,
    closed: false,
    stream: new StreamCursor(), groups: new GroupCursors(),
    send: () => {},
    close: () => {},
    terminate: () => {},
    enqueue: () => {},
    idle: async () => {}, room: async () => {},
  }
}

describe('user pool', () => {
  it('reports the first connection of a user as coming online', () => {
    const pool = new UserPool()
    expect(pool.add(fakeConn(1))).toBe(true)
    expect(pool.add(fakeConn(1))).toBe(false)
    expect(pool.isOnline(1)).toBe(true)
  })

  it('keeps every tab of a user and reports offline only when the last one leaves', () => {
    const pool = new UserPool()
    const tab1 = fakeConn(1)
    const tab2 = fakeConn(1)
    pool.add(tab1)
    pool.add(tab2)
    expect(pool.connectionsOf(1).size).toBe(2)
    expect(pool.remove(tab1)).toBe(false)
    expect(pool.isOnline(1)).toBe(true)
    expect(pool.remove(tab2)).toBe(true)
    expect(pool.isOnline(1)).toBe(false)
    expect(pool.connectionsOf(1).size).toBe(0)
  })

  it('ignores removing a connection twice or one it never had', () => {
    const pool = new UserPool()
    const conn = fakeConn(1)
    pool.add(conn)
    expect(pool.remove(conn)).toBe(true)
    expect(pool.remove(conn)).toBe(false)
    expect(pool.remove(fakeConn(2))).toBe(false)
    expect(pool.size).toBe(0)
  })

  it('does not count the same connection twice', () => {
    const pool = new UserPool()
    const conn = fakeConn(1)
    pool.add(conn)
    pool.add(conn)
    expect(pool.size).toBe(1)
  })

  it('lists each online user once, however many tabs they have', () => {
    const pool = new UserPool()
    pool.add(fakeConn(1, 'alice'))
    pool.add(fakeConn(1, 'alice'))
    pool.add(fakeConn(2, 'bob'))
    expect(pool.onlineUsers()).toEqual([{ id: 1, username: 'alice' }, { id: 2, username: 'bob' }])
    expect(pool.userCount).toBe(2)
    expect(pool.size).toBe(3)
  })

  it('iterates over every open connection', () => {
    const pool = new UserPool()
    const conns = [fakeConn(1), fakeConn(1), fakeConn(2)]
    for (const c of conns) pool.add(c)
    expect(new Set(pool.connections())).toEqual(new Set(conns))
    expect(pool.has(conns[0]!)).toBe(true)
  })
})
