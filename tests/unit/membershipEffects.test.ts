import { afterEach, describe, expect, it, vi } from 'vitest'
import { deliverHere } from '../../server/chat/deliver'
import { GroupCursors } from '../../server/socket/groupCursors'
import { StreamCursor } from '../../server/socket/stream'
import { pool } from '../../server/utils/pool'
import type { Connection } from '../../server/utils/pool'

function fakeConnection(): Connection & { sent: string[], jobs: number } {
  const stream = new StreamCursor()
  stream.begin(0)
  stream.finish()
  const conn = {
    id: 'c1', user: { id: 1, username: 'u1' }, sessionHash: 'h', sessionExpiresAt: Infinity, lastSeenAt: 0, closed: false,
    stream, groups: new GroupCursors(), sent: [] as string[], jobs: 0,
    send(text: string) {
      conn.sent.push(text)
    },
    close() {}, terminate() {}, idle: async () => {}, room: async () => {},
    enqueue() {
      conn.jobs++
    },
  }
  return conn
}

const added: Connection[] = []
afterEach(() => {
  for (const c of added.splice(0)) pool.remove(c)
  vi.useRealTimers()
})

describe('membership events on a socket', () => {
  it('apply in stream order when a later joined arrives before an earlier left (two instances)', () => {
    vi.useFakeTimers()
    const conn = fakeConnection()
    added.push(conn)
    pool.add(conn)
    conn.groups.follow('gx', 3)
    // Removed (pos 1, on one instance), added again (pos 2, on another): pos 2's envelope comes first.
    deliverHere({ userId: 1, pos: 2, text: 'joined', group: { conv: 'gx', change: 'joined', joinedSeq: 5 } })
    expect(conn.groups.position('gx')).toBe(3) // nothing yet: the stream waits for pos 1
    deliverHere({ userId: 1, pos: 1, text: 'left', group: { conv: 'gx', change: 'left', joinedSeq: 0 } })
    expect(conn.sent).toEqual(['left', 'joined'])
    expect(conn.groups.position('gx')).toBe(5)
    expect(conn.jobs).toBe(1) // and it reads what came since it joined
  })

  it('ignore a live copy of an event the socket already has', () => {
    const conn = fakeConnection()
    added.push(conn)
    pool.add(conn)
    conn.groups.follow('gy', 7)
    deliverHere({ userId: 1, pos: 1, text: 'message', group: undefined })
    deliverHere({ userId: 1, pos: 1, text: 'left again', group: { conv: 'gy', change: 'left', joinedSeq: 0 } })
    expect(conn.groups.position('gy')).toBe(7)
  })
})
