import SQLite from 'better-sqlite3'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import type { TestUser } from '../support/accounts'
import { groupsApi } from '../support/groupsApi'
import { UNLIMITED } from '../support/server'
import { ServerProcess, freePort } from '../support/serverProcess'
import { connectSynced, wsConnect } from '../support/wsClient'
import type { Frame, WsClient } from '../support/wsClient'
import { sqliteFile } from '../../server/infra/db'

/**
 * Message retention on the built server (NUXT_MESSAGE_RETENTION_DAYS=1): messages are stored, the
 * server is stopped, some are made two days old in its database (as time would), and after the
 * restart its scheduled run deletes them. A device that resumes from before that gets `trimmed` /
 * `groupTrimmed`, the rest of its stream and group, `synced`, and then live traffic as usual.
 */
const server = new ServerProcess(await freePort(), { ...UNLIMITED, NUXT_MESSAGE_RETENTION_DAYS: '1' })
afterAll(() => server.dispose())
const wsUrl = () => server.url.replace(/^http/, 'ws') + '/_ws'
const TWO_DAYS_AGO = () => Date.now() - 2 * 86_400_000

/** Makes the lines of these conversations up to these seqs two days old, in the stopped server's database. */
async function age(upTo: Array<[conv: string, seq: number]>): Promise<void> {
  const url = server.database?.NUXT_DATABASE_URL
  if (url) {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      for (const [conv, seq] of upTo) await client.query('UPDATE messages SET created_at = $1 WHERE conversation_id = $2 AND seq <= $3', [TWO_DAYS_AGO(), conv, seq])
    }
    finally {
      await client.end()
    }
    return
  }
  const db = new SQLite(sqliteFile(server.dataDir))
  try {
    const update = db.prepare('UPDATE messages SET created_at = ? WHERE conversation_id = ? AND seq <= ?')
    for (const [conv, seq] of upTo) update.run(TWO_DAYS_AGO(), conv, seq)
  }
  finally {
    db.close()
  }
}

async function history(user: TestUser, path: string): Promise<number[]> {
  const res = await fetch(`${server.url}${path}`, { headers: { cookie: user.cookie, accept: 'application/json' } })
  expect(res.status).toBe(200)
  return ((await res.json()) as { messages: Array<{ seq: number }> }).messages.map(m => m.seq)
}

/** The frames up to and including `synced`, without presence. */
async function untilSynced(client: WsClient): Promise<Frame[]> {
  const frames: Frame[] = []
  for (;;) {
    const frame = await client.next()
    if (frame.type === 'presence') continue
    frames.push(frame)
    if (frame.type === 'synced') return frames
  }
}

describe('message retention', () => {
  it('tells a device resuming from before what is kept where its stream and groups go on; then live traffic flows', async () => {
    await server.start()
    const [alice, bob] = await Promise.all([registerUser(server.url), registerUser(server.url)])
    const { conv: group } = await groupsApi(server.url).create(alice, [bob], 'Old days') // lines 1–2
    const a = await wsConnect(wsUrl(), { cookie: alice.cookie })
    a.send({ type: 'resume', cursor: 0 })
    const joined = await a.next('membership')
    await a.next('synced')
    // What Alice's old phone saw before it went away: her stream up to her joining, the group up to 2.
    const oldPhone = { cursor: Number(joined.pos), group: 2 }
    const { client: b } = await connectSynced(wsUrl(), bob.cookie)
    const positions: number[] = []
    for (let i = 1; i <= 5; i++) {
      b.send({ type: 'send', cid: `d${i}`, to: alice.id, text: `direct ${i}` })
      positions.push(Number((await a.next('message')).pos))
    }
    for (let i = 3; i <= 5; i++) {
      b.send({ type: 'groupSend', cid: `g${i}`, conv: group, text: `group ${i}` })
      await a.next('groupMessage')
    }
    a.close()
    b.close()
    await server.kill('SIGTERM')

    // Direct 1–3 and group lines 1–4 are now two days old; direct 4–5 and group line 5 are not.
    const direct = [alice.id, bob.id].sort((x, y) => x - y).join(':')
    await age([[direct, 3], [group, 4]])
    await server.start()
    // The first run comes a few seconds after the start.
    const deadline = Date.now() + 20_000
    while ((await history(alice, `/api/conversations/${bob.id}/messages`))[0] !== 4) {
      expect(Date.now()).toBeLessThan(deadline)
      await new Promise(resolve => setTimeout(resolve, 200))
    }
    // The run's line comes when it has looked for more (after its last batch).
    const ran = /"msg":"retention run",.*"deleted":7,"events":\d+,"batches":\d+,"days":1/
    while (!ran.test(server.log) && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
    expect(server.log).toMatch(ran)

    // History starts at the oldest kept line: no hole, and the page before it is empty, not an error.
    expect(await history(alice, `/api/conversations/${bob.id}/messages`)).toEqual([4, 5])
    expect(await history(alice, `/api/conversations/${bob.id}/messages?before=4`)).toEqual([])
    expect(await history(alice, `/api/groups/${group}/messages`)).toEqual([5])

    const phone = await wsConnect(wsUrl(), { cookie: alice.cookie })
    const welcome = await phone.next('welcome')
    expect(welcome.head).toBe(positions[4])
    phone.send({ type: 'resume', cursor: oldPhone.cursor, groups: [[group, oldPhone.group]] })
    expect(await untilSynced(phone)).toMatchObject([
      { type: 'trimmed', pos: positions[2] },
      { type: 'message', pos: positions[3], seq: 4, text: 'direct 4' },
      { type: 'message', pos: positions[4], seq: 5, text: 'direct 5' },
      { type: 'groupTrimmed', conv: group, seq: 4 },
      { type: 'groupMessage', conv: group, seq: 5, text: 'group 5' },
      { type: 'synced', head: positions[4] },
    ])

    // Live, as usual: both ways, and in the group.
    const { client: b2 } = await connectSynced(wsUrl(), bob.cookie)
    b2.send({ type: 'send', cid: 'd6', to: alice.id, text: 'direct 6' })
    expect(await phone.next('message')).toMatchObject({ pos: positions[4]! + 1, seq: 6, text: 'direct 6' })
    b2.send({ type: 'groupSend', cid: 'g6', conv: group, text: 'group 6' })
    expect(await phone.next('groupMessage')).toMatchObject({ seq: 6, text: 'group 6' })
    phone.send({ type: 'send', cid: 'a7', to: bob.id, text: 'back again' })
    expect(await phone.next('ack')).toMatchObject({ cid: 'a7', seq: 7, pos: positions[4]! + 2 })
    expect(await b2.next('message')).toMatchObject({ seq: 7, text: 'back again' })

    // A device whose cursor is within what is kept gets no such frame.
    const tablet = await wsConnect(wsUrl(), { cookie: alice.cookie })
    await tablet.next('welcome')
    tablet.send({ type: 'resume', cursor: positions[3] })
    expect((await untilSynced(tablet)).map(f => f.type)).toEqual(['message', 'message', 'message', 'synced'])
    for (const c of [phone, b2, tablet]) c.close()
    expect(server.log).not.toMatch(/retention run failed|unhandledRejection|uncaughtException/)
  }, 90_000)
})
