import { afterEach, describe, expect, it, vi } from 'vitest'
import { deliverTypingHere, relayTyping, noteView, TYPING_BURST } from '../../server/chat/typing'
import { GroupCursors } from '../../server/socket/groupCursors'
import { StreamCursor } from '../../server/socket/stream'
import { viewers } from '../../server/socket/viewing'
import { pool } from '../../server/utils/pool'
import type { Connection } from '../../server/utils/pool'

const published: unknown[] = []
vi.mock('../../server/cluster/cluster', () => ({ useCluster: () => ({ publishTyping: (note: unknown) => published.push(note) }) }))

const ann = { id: 1, username: 'ann' }
const ben = { id: 2, username: 'ben' }
const cat = { id: 3, username: 'cat' }

let n = 0
function socket(user: { id: number, username: string }, follows: string[] = []): Connection & { sent: Array<Record<string, unknown>> } {
  const sent: Array<Record<string, unknown>> = []
  const groups = new GroupCursors()
  for (const conv of follows) groups.follow(conv, 0)
  const conn: Connection & { sent: typeof sent } = {
    id: `c${++n}`, user, sessionHash: 'h', sessionExpiresAt: Infinity, lastSeenAt: 0, closed: false,
    stream: new StreamCursor(), groups, sent, send: text => void sent.push(JSON.parse(text)),
    close() {}, terminate() {}, enqueue() {}, idle: async () => {}, room: async () => {},
  }
  pool.add(conn)
  added.push(conn)
  return conn
}
const added: Connection[] = []
afterEach(() => {
  for (const c of added.splice(0)) {
    pool.remove(c)
    viewers.remove(c)
  }
  published.length = 0
})

/** A frame handled as the connection does: the work now, the answer at its turn (here at once). */
const type = (conn: Connection, conv: number | string, extra: { stop?: boolean } = {}, now = 0) => relayTyping(conn, { type: 'typing', conv, ...extra }, now)()
const view = (conn: Connection, conv: number | string | null) => noteView(conn, { type: 'view', conv })()

describe('typing relay', () => {
  it('reaches the recipient\'s sockets that show the conversation with the typist, and no other', () => {
    const a = socket(ann)
    const [showing, elsewhere, idle] = [socket(ben), socket(ben), socket(ben)]
    view(showing, ann.id)
    view(elsewhere, cat.id)
    type(a, ben.id)
    expect(showing.sent).toEqual([{ type: 'typing', conv: ann.id, from: ann.id, username: 'ann' }])
    expect(elsewhere.sent).toEqual([])
    expect(idle.sent).toEqual([])
  })

  it('stops reaching a socket that shows nothing (a hidden page) or closed', () => {
    const a = socket(ann)
    const b = socket(ben)
    view(b, ann.id)
    view(b, null)
    type(a, ben.id)
    expect(b.sent).toEqual([])
    view(b, ann.id)
    viewers.remove(b)
    type(a, ben.id)
    expect(b.sent).toEqual([])
  })

  it('passes a stop on, so the reader clears it at once', () => {
    const a = socket(ann)
    const b = socket(ben)
    view(b, ann.id)
    type(a, ben.id, { stop: true })
    expect(b.sent).toEqual([{ type: 'typing', conv: ann.id, from: ann.id, username: 'ann', stop: true }])
  })

  it('reaches the members that show a group, never the typist\'s own sockets', () => {
    const a = socket(ann, ['g1'])
    const aOther = socket(ann, ['g1'])
    const b = socket(ben, ['g1'])
    const c = socket(cat, ['g1'])
    for (const s of [aOther, b]) view(s, 'g1')
    type(a, 'g1')
    expect(b.sent).toEqual([{ type: 'typing', conv: 'g1', from: ann.id, username: 'ann' }])
    expect(aOther.sent).toEqual([])
    expect(c.sent).toEqual([])
  })

  it('refuses typing in a group the socket does not follow (not a member) with not_member, and relays nothing', () => {
    const outsider = socket(cat)
    const b = socket(ben, ['g1'])
    view(b, 'g1')
    type(outsider, 'g1')
    expect(outsider.sent).toEqual([{ type: 'error', code: 'not_member', message: expect.any(String) }])
    expect(b.sent).toEqual([])
    expect(published).toEqual([])
  })

  it('gives a group\'s typing to no socket that shows the group but is not a member of it', () => {
    const a = socket(ann, ['g1'])
    const snoop = socket(cat)
    view(snoop, 'g1')
    type(a, 'g1')
    expect(snoop.sent).toEqual([])
  })

  it('hands every relayed notice to the other instances once, which deliver it to their viewers', () => {
    const a = socket(ann, ['g1'])
    type(a, ben.id)
    type(a, 'g1')
    expect(published).toEqual([
      { sender: ann.id, to: ben.id, text: expect.stringContaining('"typing"') },
      { sender: ann.id, group: 'g1', text: expect.stringContaining('"g1"') },
    ])
    const b = socket(ben)
    view(b, ann.id)
    deliverTypingHere(published[0] as Parameters<typeof deliverTypingHere>[0])
    expect(b.sent).toEqual([{ type: 'typing', conv: ann.id, from: ann.id, username: 'ann' }])
  })

  it('drops typing over the socket\'s budget without an answer, and lets it through again as the budget refills', () => {
    const a = socket(ann)
    const b = socket(ben)
    view(b, ann.id)
    for (let i = 0; i < TYPING_BURST + 4; i++) type(a, ben.id, {}, 1000)
    expect(b.sent).toHaveLength(TYPING_BURST)
    expect(a.sent).toEqual([])
    type(a, ben.id, {}, 3000)
    expect(b.sent).toHaveLength(TYPING_BURST + 1)
  })

  it('ignores typing to oneself', () => {
    const a = socket(ann)
    const a2 = socket(ann)
    view(a2, ann.id)
    type(a, ann.id)
    expect(a.sent).toEqual([])
    expect(a2.sent).toEqual([])
    expect(published).toEqual([])
  })
})
