import { describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import type { TestUser } from '../support/accounts'
import { groupsApi } from '../support/groupsApi'
import { httpUrl, setupBuiltServer, wsUrl } from '../support/server'
import { wsConnect } from '../support/wsClient'
import type { WsClient } from '../support/wsClient'

await setupBuiltServer()
const api = groupsApi(() => httpUrl('/'))

/** A socket that resumed: at its stream head, following `groups` from the given seqs. */
async function synced(user: TestUser, groups: Array<[string, number]> = []): Promise<WsClient> {
  const ws = await wsConnect(wsUrl(), { cookie: user.cookie })
  ws.keepAlive()
  const { head } = await ws.next('welcome')
  ws.send({ type: 'resume', cursor: head, groups })
  await ws.next('synced')
  return ws
}

/** The group lines a socket receives, until `count` of them came. */
async function lines(ws: WsClient, count: number, timeoutMs = 10_000): Promise<Array<Record<string, unknown>>> {
  const got = []
  while (got.length < count) got.push(await ws.next('groupMessage', timeoutMs))
  return got
}

const users = (n: number) => Promise.all(Array.from({ length: n }, () => registerUser(httpUrl('/'))))

describe('groups', () => {
  it('relay a message to every member once, in order, and acknowledge the sender instead of echoing it', async () => {
    const [ann, ben, cat] = await users(3)
    const group = await api.create(ann, [ben, cat])
    const [a, b, c] = await Promise.all([ann, ben, cat].map(u => synced(u)))
    for (let i = 0; i < 20; i++) a.send({ type: 'groupSend', cid: `m${i}`, conv: group.conv, text: `hello ${i}` })
    const acks = []
    for (let i = 0; i < 20; i++) acks.push(await a.next('ack'))
    expect(acks.map(x => x.seq)).toEqual(Array.from({ length: 20 }, (_, i) => group.lastSeq + i + 1))
    for (const ws of [b, c]) {
      const got = await lines(ws, 20)
      expect(got.map(l => l.text)).toEqual(Array.from({ length: 20 }, (_, i) => `hello ${i}`))
      expect(got.every(l => l.cid === undefined && l.from === ann.id)).toBe(true)
    }
    await expect(a.next('groupMessage', 300)).rejects.toThrow()
    for (const ws of [a, b, c]) ws.close()
  })

  it('replay what a device missed from the seq it lists on resume, and send a new member only what follows their joining', async () => {
    const [ann, ben, dan] = await users(3)
    const group = await api.create(ann, [ben])
    const a = await synced(ann)
    for (let i = 0; i < 5; i++) a.send({ type: 'groupSend', cid: `r${i}`, conv: group.conv, text: `missed ${i}` })
    for (let i = 0; i < 5; i++) await a.next('ack')
    const b = await wsConnect(wsUrl(), { cookie: ben.cookie })
    const { head } = await b.next('welcome')
    b.send({ type: 'resume', cursor: head, groups: [[group.conv, group.lastSeq]] })
    const replayed = await lines(b, 5)
    expect(replayed.map(l => l.text)).toEqual(Array.from({ length: 5 }, (_, i) => `missed ${i}`))
    await b.next('synced')

    const added = await api.add(ann, group.conv, [dan])
    expect(added.status).toBe(200)
    const d = await synced(dan)
    a.send({ type: 'groupSend', cid: 'after-dan', conv: group.conv, text: 'welcome dan' })
    const [line] = await lines(d, 1)
    expect(line!.text).toBe('welcome dan')
    const history = await api.history(dan, group.conv)
    expect(history.body.messages.map(m => m.text)).toEqual(['', 'welcome dan']) // the `added` line, then the message
    for (const ws of [a, b, d]) ws.close()
  })

  it('cut off a removed member at once: no more lines, no history, no sending', async () => {
    const [ann, ben, cat] = await users(3)
    const group = await api.create(ann, [ben, cat])
    const [a, c] = await Promise.all([ann, cat].map(u => synced(u)))
    expect((await api.remove(ann, group.conv, cat)).status).toBe(200)
    const membership = await c.next('membership')
    expect(membership).toMatchObject({ change: 'left', group: { conv: group.conv } })
    a.send({ type: 'groupSend', cid: 'secret', conv: group.conv, text: 'after cat left' })
    await a.next('ack')
    await expect(c.next('groupMessage', 500).then(f => f.text === 'after cat left' ? f : c.next('groupMessage', 500))).rejects.toThrow()
    expect((await api.history(cat, group.conv)).status).toBe(404)
    expect((await api.members(cat, group.conv)).body.data?.code).toBe('not_member')
    c.send({ type: 'groupSend', cid: 'late', conv: group.conv, text: 'still here?' })
    expect(await c.next('error')).toMatchObject({ code: 'not_member', cid: 'late' })
    for (const ws of [a, c]) ws.close()
  })

  it('tell the members how far each has read, and count unread lines per member', async () => {
    const [ann, ben] = await users(2)
    const group = await api.create(ann, [ben])
    const [a, b] = await Promise.all([ann, ben].map(u => synced(u)))
    a.send({ type: 'groupSend', cid: 'q1', conv: group.conv, text: 'one' })
    a.send({ type: 'groupSend', cid: 'q2', conv: group.conv, text: 'two' })
    const [, second] = await lines(b, 2)
    const before = await api.call<{ groups: Array<{ conv: string, unread: number }> }>(ben, 'GET', '/api/groups')
    expect(before.body.groups.find(g => g.conv === group.conv)!.unread).toBe(2)
    b.send({ type: 'groupRead', conv: group.conv, seq: second!.seq as number })
    expect(await a.next('groupReceipt')).toEqual({ type: 'groupReceipt', conv: group.conv, receipts: [{ user: ben.id, read: second!.seq, delivered: second!.seq }] })
    const members = await api.members(ann, group.conv)
    expect(members.body.members.find(m => m.id === ben.id)!.read).toBe(second!.seq)
    const after = await api.call<{ groups: Array<{ conv: string, unread: number }> }>(ben, 'GET', '/api/groups')
    expect(after.body.groups.find(g => g.conv === group.conv)!.unread).toBe(0)
    for (const ws of [a, b]) ws.close()
  })

  it('show every member the membership changes as system lines in the group, in seq order', async () => {
    const [ann, ben, cat, dan] = await users(4)
    const group = await api.create(ann, [ben, cat])
    const [a, b] = await Promise.all([ann, ben].map(u => synced(u)))
    expect((await api.call(ann, 'PATCH', `/api/groups/${group.conv}`, { name: 'Renamed' })).status).toBe(200)
    expect((await api.add(ann, group.conv, [dan])).status).toBe(200)
    expect((await api.remove(ann, group.conv, cat)).status).toBe(200)
    for (const ws of [a, b]) {
      const got = await lines(ws, 3)
      expect(got.map(l => [l.seq, (l.system as { event: string }).event])).toEqual([[group.lastSeq + 1, 'renamed'], [group.lastSeq + 2, 'added'], [group.lastSeq + 3, 'removed']])
      // Valid frames for every member, the actor too (a system line has no client id).
      expect(got.every(l => l.cid === undefined)).toBe(true)
    }
    for (const ws of [a, b]) ws.close()
  })

  it('refuse what members may not do with a code: a member removing, a stranger reading, too long a name', async () => {
    const [ann, ben, cat, eve] = await users(4)
    const group = await api.create(ann, [ben, cat])
    expect((await api.remove(ben, group.conv, cat)).body.data?.code).toBe('forbidden')
    expect((await api.members(eve, group.conv)).status).toBe(404)
    expect((await api.call(ann, 'POST', '/api/groups', { name: 'x'.repeat(65), members: [] })).status).toBe(400)
    expect((await api.call(ann, 'POST', '/api/groups', { name: 'ghosts', members: [99_999_999] })).body.data?.code).toBe('unknown_user')
    expect((await api.call(ann, 'GET', '/api/groups/not-a-group/members')).status).toBe(404)
  })

  it('find people by the start of their username, paged, without the one searching', async () => {
    const stem = `srch${Date.now().toString(36)}`
    const found = await Promise.all(Array.from({ length: 3 }, (_, i) => registerUser(httpUrl('/'), `${stem}${i}`)))
    const first = await api.call<{ users: Array<{ username: string }>, next: string | null }>(found[0]!, 'GET', `/api/users/search?q=${stem.toUpperCase()}&limit=1`)
    expect(first.body.users.map(u => u.username)).toEqual([`${stem}1`])
    const second = await api.call<{ users: Array<{ username: string }>, next: string | null }>(found[0]!, 'GET', `/api/users/search?q=${stem}&limit=1&after=${first.body.next}`)
    expect(second.body).toEqual({ users: [{ id: found[2]!.id, username: `${stem}2` }], next: null })
  })
})
