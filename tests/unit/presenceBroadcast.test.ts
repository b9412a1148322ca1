import { GroupCursors } from '../../server/socket/groupCursors'
import { afterEach, describe, expect, it } from 'vitest'
import { broadcastPresence } from '../../server/socket/presenceBroadcast'
import { pool } from '../../server/utils/pool'
import type { Connection } from '../../server/utils/pool'
import { StreamCursor } from '../../server/socket/stream'

const users = Array.from({ length: 5 }, (_, i) => ({ id: i + 1, username: `u${i + 1}` }))
const turn = () => new Promise(resolve => setImmediate(resolve))

function fakeConnection(user: { id: number, username: string }): Connection & { sent: string[] } {
  const sent: string[] = []
  return {
    id: `c${user.id}`, user, sessionHash: 'h', sessionExpiresAt: Infinity, lastSeenAt: 0, closed: false,
    stream: new StreamCursor(), groups: new GroupCursors(), sent, send: text => void sent.push(text),
    close() {}, terminate() {}, enqueue() {}, idle: async () => {}, room: async () => {},
  }
}

const added: Connection[] = []
afterEach(() => {
  for (const c of added.splice(0)) pool.remove(c)
})

describe('presence broadcast', () => {
  it('tells every socket of all the changes of one turn in one frame, each user in their last state', async () => {
    const watchers = [fakeConnection(users[0]!), fakeConnection(users[1]!)]
    for (const w of watchers) {
      added.push(w)
      pool.add(w)
    }
    broadcastPresence(users[2]!, true)
    broadcastPresence(users[3]!, true)
    broadcastPresence(users[4]!, true)
    broadcastPresence(users[3]!, false)
    await turn()
    for (const w of watchers) {
      expect(w.sent.map(t => JSON.parse(t))).toEqual([{ type: 'presence', online: [users[2], users[4]], offline: [users[3]] }])
    }
  })

  it('does not tell a user about themselves alone', async () => {
    const me = fakeConnection(users[0]!)
    const other = fakeConnection(users[1]!)
    for (const c of [me, other]) {
      added.push(c)
      pool.add(c)
    }
    broadcastPresence(users[0]!, true)
    await turn()
    expect(me.sent).toEqual([])
    expect(other.sent).toHaveLength(1)
  })
})
