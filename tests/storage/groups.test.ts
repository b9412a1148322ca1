import SQLite from 'better-sqlite3'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Database } from '../../server/infra/database/schema'
import { migrate, openPostgres, openSqlite, sqliteFile } from '../../server/infra/db'
import { createSqliteWrites } from '../../server/chat/storage/sqlite/writes'
import { onPostgres } from '../../server/chat/storage/groups'
import { applyGroupChange, recordGroupReceipt, storeGroupMessages } from '../../server/chat/storage/groupWrites'
import type { GroupChange, GroupChangeResult, GroupReceiptInput, GroupSendInput, GroupStoreResult } from '../../server/chat/storage/groupModel'
import { dropTestDatabase, testDatabaseEnv } from '../support/database'
import { makeTempDir, removeTempDir } from '../support/tempDir'

/**
 * The group writes on a real database: SQLite as the writer thread runs them (here on the test's
 * own connection), PostgreSQL (under `npm run test:cluster`) in a pooled transaction.
 */
let databaseUrl: string | undefined
let dataDir: string | undefined
let db: Kysely<Database>
let raw: SQLite.Database | undefined
let writes: {
  send: (inputs: GroupSendInput[]) => Promise<GroupStoreResult[]>
  receipt: (input: GroupReceiptInput) => Promise<{ delivered: number, read: number } | null>
  change: (change: GroupChange) => Promise<GroupChangeResult>
}
const USERS = 1005
const limits = { membersMax: 1000, groupsPerUserMax: 100 }

beforeAll(async () => {
  databaseUrl = (await testDatabaseEnv()).NUXT_DATABASE_URL
  if (databaseUrl) {
    db = openPostgres(databaseUrl)
    await migrate(db)
    writes = {
      send: inputs => onPostgres(db, ctx => storeGroupMessages(ctx, inputs)),
      receipt: input => onPostgres(db, ctx => recordGroupReceipt(ctx, input)),
      change: change => onPostgres(db, ctx => applyGroupChange(ctx, change)),
    }
  }
  else {
    dataDir = makeTempDir('groups')
    db = openSqlite(dataDir)
    await migrate(db)
    raw = new SQLite(sqliteFile(dataDir))
    raw.pragma('foreign_keys = ON')
    const w = createSqliteWrites(raw)
    writes = {
      send: async inputs => w.storeGroupMessages(inputs),
      receipt: async input => w.recordGroupReceipt(input),
      change: async change => w.applyGroupChange(change),
    }
  }
  const ids = Array.from({ length: USERS }, (_, i) => i + 1)
  for (let i = 0; i < ids.length; i += 500) {
    await db.insertInto('users').values(ids.slice(i, i + 500).map(id => ({ id, username: `u${id}`, username_key: `u${id}`, password_hash: 'x', created_at: 0 }))).execute()
  }
})
afterAll(async () => {
  raw?.close()
  await db?.destroy()
  if (dataDir) removeTempDir(dataDir)
  await dropTestDatabase(databaseUrl)
})

let n = 0
const create = async (actor: number, users: number[], conv = `gtest${++n}`) => {
  const result = await writes.change({ op: 'create', conv, actor, name: 'Team', users, limits })
  expect(result.ok).toBe(true)
  return conv
}
const members = (conv: string) => db.selectFrom('members').selectAll().where('conversation_id', '=', conv).orderBy('user_id').execute()
const rowCounts = async () => {
  const count = async (table: 'messages' | 'events' | 'members' | 'conversations') => Number((await db.selectFrom(table).select(eb => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
  return { messages: await count('messages'), events: await count('events'), members: await count('members'), conversations: await count('conversations') }
}

describe('group writes', () => {
  it('create a group with its owner and members, two system lines and one joined event each', async () => {
    const result = await writes.change({ op: 'create', conv: 'gcreate', actor: 1, name: 'Team', users: [2, 3, 1], limits })
    if (!result.ok) throw new Error(result.code)
    expect(result.lines.map(l => [l.seq, l.system])).toEqual([
      [1, { event: 'created', name: 'Team' }],
      [2, { event: 'added', users: [{ id: 2, username: 'u2' }, { id: 3, username: 'u3' }] }],
    ])
    expect(result.memberships.map(m => [m.userId, m.change])).toEqual([[1, 'joined'], [2, 'joined'], [3, 'joined']])
    expect((await members('gcreate')).map(m => [m.user_id, m.role, m.joined_seq])).toEqual([[1, 'owner', 0], [2, 'member', 1], [3, 'member', 1]])
  })

  it('store a message with the same number of rows in a group of 2 as in a group of 1,000', async () => {
    const pair = await create(1, [2])
    const thousand = await create(4, Array.from({ length: 999 }, (_, i) => i + 5))
    const written = async (conv: string, from: number) => {
      const before = await rowCounts()
      await writes.send([{ conv, from, cid: `rows-${conv}`, text: 'hi' }])
      const after = await rowCounts()
      return { messages: after.messages - before.messages, events: after.events - before.events, members: after.members - before.members }
    }
    expect(await written(pair, 1)).toEqual({ messages: 1, events: 0, members: 0 })
    expect(await written(thousand, 500)).toEqual({ messages: 1, events: 0, members: 0 })
  })

  it('give messages of a batch gapless seqs per group, and answer a resent cid with the stored message', async () => {
    const g = await create(1, [2, 3])
    const results = await writes.send([
      { conv: g, from: 1, cid: 'a', text: 'one' },
      { conv: g, from: 2, cid: 'a', text: 'two' },
      { conv: g, from: 1, cid: 'a', text: 'one again' },
    ])
    expect(results.map(r => 'message' in r && [r.message.seq, r.message.text, r.duplicate])).toEqual([[3, 'one', false], [4, 'two', false], [3, 'one', true]])
    const again = await writes.send([{ conv: g, from: 2, cid: 'a', text: 'two' }])
    expect(again[0]).toMatchObject({ duplicate: true, message: { seq: 4 } })
  })

  it('refuse a message from someone who is not a member, or to a group that does not exist', async () => {
    const g = await create(1, [2])
    expect(await writes.send([{ conv: g, from: 3, cid: 'x1', text: 'hi' }, { conv: 'gnone', from: 1, cid: 'x2', text: 'hi' }])).toEqual([{ notMember: true }, { notMember: true }])
  })

  it('let owners and admins remove members, refuse the rest, and keep the removed out', async () => {
    const g = await create(1, [2, 3, 4])
    expect(await writes.change({ op: 'remove', conv: g, actor: 2, user: 3 })).toEqual({ ok: false, code: 'forbidden' })
    expect((await writes.change({ op: 'role', conv: g, actor: 1, user: 2, role: 'admin' })).ok).toBe(true)
    expect(await writes.change({ op: 'remove', conv: g, actor: 2, user: 1 })).toEqual({ ok: false, code: 'forbidden' })
    const removed = await writes.change({ op: 'remove', conv: g, actor: 2, user: 3 })
    if (!removed.ok) throw new Error(removed.code)
    expect(removed.lines[0]!.system).toEqual({ event: 'removed', users: [{ id: 3, username: 'u3' }] })
    expect(removed.memberships).toEqual([expect.objectContaining({ userId: 3, change: 'left' })])
    expect(await writes.send([{ conv: g, from: 3, cid: 'after-removal', text: 'hi' }])).toEqual([{ notMember: true }])
    expect(await writes.change({ op: 'rename', conv: g, actor: 3, name: 'x' })).toEqual({ ok: false, code: 'not_member' })
    const row = (await members(g)).find(m => m.user_id === 3)!
    expect(row.left_seq).toBe(removed.lines[0]!.seq)
  })

  it('hand the group to the longest-standing admin when the owner leaves', async () => {
    const g = await create(1, [2, 3])
    await writes.change({ op: 'add', conv: g, actor: 1, users: [4], limits })
    await writes.change({ op: 'role', conv: g, actor: 1, user: 4, role: 'admin' })
    const left = await writes.change({ op: 'remove', conv: g, actor: 1, user: 1 })
    if (!left.ok) throw new Error(left.code)
    expect(left.lines[0]!.system).toEqual({ event: 'left', owner: { id: 4, username: 'u4' } })
    expect((await members(g)).map(m => [m.user_id, m.role, m.left_seq === null])).toEqual([[1, 'owner', false], [2, 'member', true], [3, 'member', true], [4, 'owner', true]])
  })

  it('add someone again after they left: they see only what follows the new line', async () => {
    const g = await create(1, [2])
    await writes.change({ op: 'remove', conv: g, actor: 2, user: 2 })
    await writes.send([{ conv: g, from: 1, cid: `${g}-while-away`, text: 'hi' }])
    const added = await writes.change({ op: 'add', conv: g, actor: 1, users: [2], limits })
    if (!added.ok) throw new Error(added.code)
    const row = (await members(g)).find(m => m.user_id === 2)!
    expect([row.joined_seq, row.left_seq, row.read]).toEqual([added.lines[0]!.seq - 1, null, added.lines[0]!.seq - 1])
  })

  it('refuse members past the group limit, groups past the per-person limit, and unknown people', async () => {
    expect(await writes.change({ op: 'create', conv: 'gbig', actor: 1, name: 'x', users: Array.from({ length: 1000 }, (_, i) => i + 2), limits })).toEqual({ ok: false, code: 'group_full' })
    expect(await writes.change({ op: 'create', conv: 'gghost', actor: 1, name: 'x', users: [99_999], limits })).toEqual({ ok: false, code: 'unknown_user' })
    // 1005 is in no group yet: with a limit of three, three groups, then a fourth is refused.
    const three = { membersMax: 1000, groupsPerUserMax: 3 }
    for (let i = 0; i < 3; i++) expect((await writes.change({ op: 'create', conv: `gthree${i}`, actor: 1005, name: 'x', users: [], limits: three })).ok).toBe(true)
    expect(await writes.change({ op: 'create', conv: 'gfourth', actor: 1005, name: 'x', users: [], limits: three })).toEqual({ ok: false, code: 'too_many_groups' })
    expect(await writes.change({ op: 'add', conv: 'gthree0', actor: 1005, users: [1], limits: { membersMax: 1, groupsPerUserMax: 100 } })).toEqual({ ok: false, code: 'group_full' })
  })

  it('move receipts forward only, capped at the newest line, and not for people who left', async () => {
    const g = await create(1, [2])
    await writes.send([{ conv: g, from: 1, cid: `${g}-r1`, text: 'one' }, { conv: g, from: 1, cid: `${g}-r2`, text: 'two' }])
    expect(await writes.receipt({ userId: 2, conv: g, kind: 'delivered', seq: 3 })).toEqual({ delivered: 3, read: 1 })
    expect(await writes.receipt({ userId: 2, conv: g, kind: 'delivered', seq: 2 })).toBeNull()
    expect(await writes.receipt({ userId: 2, conv: g, kind: 'read', seq: 99 })).toEqual({ delivered: 4, read: 4 })
    await writes.change({ op: 'remove', conv: g, actor: 2, user: 2 })
    expect(await writes.receipt({ userId: 2, conv: g, kind: 'read', seq: 5 })).toBeNull()
  })
})
