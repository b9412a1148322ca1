import { afterEach, describe, expect, it, vi } from 'vitest'
import { GroupCursors } from '../../server/socket/groupCursors'
import { broadcastPresence } from '../../server/socket/presenceBroadcast'
import { pool } from '../../server/utils/pool'
import type { Connection } from '../../server/utils/pool'
import { StreamCursor } from '../../server/socket/stream'

// Who shares a conversation with whom: 1 and 2 with everyone, 3–5 only with 1 and 2; 6 is in a
// big group (an audience of 4, the coalescing threshold here).
vi.mock('../../server/socket/presenceAudience', () => ({
  audienceOf: (userId: number) => userId === 6
    ? new Set([1, 2, 3, 4])
    : userId <= 2 ? new Set([1, 2, 3, 4, 5].filter(u => u !== userId)) : Promise.resolve(new Set([1, 2])),
  forgetAudiences: () => {},
}))
vi.mock('../../server/infra/settings', () => ({ useSettings: () => ({ presenceCoalesceAt: 4 }) }))

const users = Array.from({ length: 6 }, (_, i) => ({ id: i + 1, username: `u${i + 1}` }))
const settle = () => new Promise(resolve => setTimeout(resolve, 10))

function fakeConnection(user: { id: number, username: string }): Connection & { sent: string[] } {
  const sent: string[] = []
  return {
    id: `c${user.id}`, user, sessionHash: 'h', sessionExpiresAt: Infinity, lastSeenAt: 0, closed: false,
    stream: new StreamCursor(), groups: new GroupCursors(), sent, send: text => void sent.push(text),
    close() {}, terminate() {}, enqueue() {}, idle: async () => {}, room: async () => {},
  }
}

const added: Connection[] = []
const online = (...conns: Connection[]) => {
  for (const c of conns) {
    added.push(c)
    pool.add(c)
  }
}
afterEach(() => {
  for (const c of added.splice(0)) pool.remove(c)
})

describe('presence broadcast', () => {
  it('tells each person of all the changes of one turn in one frame, each user in their last state', async () => {
    const watchers = [fakeConnection(users[0]!), fakeConnection(users[1]!)]
    online(...watchers)
    broadcastPresence(users[2]!, true)
    broadcastPresence(users[3]!, true)
    broadcastPresence(users[4]!, true)
    broadcastPresence(users[3]!, false)
    await settle()
    for (const w of watchers) {
      expect(w.sent.map(t => JSON.parse(t))).toEqual([{ type: 'presence', online: [users[2], users[4]], offline: [users[3]] }])
    }
  })

  it('sends the changes of someone in a big group together, once a second, in their last state', async () => {
    const watcher = fakeConnection(users[0]!)
    online(watcher)
    broadcastPresence(users[5]!, true)
    await settle()
    broadcastPresence(users[5]!, false)
    broadcastPresence(users[5]!, true)
    await settle()
    expect(watcher.sent).toEqual([])
    await new Promise(resolve => setTimeout(resolve, 1100))
    expect(watcher.sent.map(t => JSON.parse(t))).toEqual([{ type: 'presence', online: [users[5]], offline: [] }])
  })

  it('coalesces by the whole audience its publisher names, not by the few watchers on this instance', async () => {
    const watcher = fakeConnection(users[0]!)
    online(watcher)
    // A member of a big group seen here by one local user only (the others are on other instances).
    broadcastPresence(users[2]!, true, [1], 1000)
    await settle()
    expect(watcher.sent).toEqual([])
    await new Promise(resolve => setTimeout(resolve, 1100))
    expect(watcher.sent.map(t => JSON.parse(t))).toEqual([{ type: 'presence', online: [users[2]], offline: [] }])
    // Without the whole audience, the watchers here decide (one: at once).
    broadcastPresence(users[2]!, false, [1])
    await settle()
    expect(watcher.sent.map(t => JSON.parse(t))).toHaveLength(2)
  })

  it('never sends a change before an older one of the same person still waiting: it waits too, and the last state goes', async () => {
    const watcher = fakeConnection(users[0]!)
    online(watcher)
    broadcastPresence(users[3]!, true, [1], 1000)
    await settle()
    // The audience said is small now: alone, this change would go out at once, then the older one.
    broadcastPresence(users[3]!, false, [1], 2)
    await settle()
    expect(watcher.sent).toEqual([])
    await new Promise(resolve => setTimeout(resolve, 1100))
    expect(watcher.sent.map(t => JSON.parse(t))).toEqual([{ type: 'presence', online: [], offline: [users[3]] }])
  })

  it('tells everyone either of two changes of one person in one turn was for, in the last state', async () => {
    const [first, second] = [fakeConnection(users[0]!), fakeConnection(users[1]!)]
    online(first, second)
    // The person's watchers here learn a change, and in the same turn a newly arrived watcher is told.
    broadcastPresence(users[2]!, false, [1])
    broadcastPresence(users[2]!, true, [2])
    await settle()
    for (const w of [first, second]) expect(w.sent.map(t => JSON.parse(t))).toEqual([{ type: 'presence', online: [users[2]], offline: [] }])
  })

  it('tells only the people who share a conversation with the user, and never the user themselves', async () => {
    const [me, friend, stranger] = [fakeConnection(users[2]!), fakeConnection(users[0]!), fakeConnection(users[3]!)]
    online(me, friend, stranger)
    broadcastPresence(users[2]!, true)
    await settle()
    expect(friend.sent.map(t => JSON.parse(t))).toEqual([{ type: 'presence', online: [users[2]], offline: [] }])
    expect(me.sent).toEqual([])
    expect(stranger.sent).toEqual([])
  })
})
