import { sql } from 'kysely'
import type { CompiledQuery, Kysely } from 'kysely'
import type { GroupRole, PublicUser, SystemEvent } from '#shared/protocol'
import type { Database } from '../../infra/database/schema'
import { incrementFor } from './events'
import { planGroupChange } from './groupRules'
import type { GroupChange, GroupChangeResult, GroupReceiptInput, GroupSendInput, GroupStoreResult, MemberState, StoredGroupMessage } from './groupModel'

/**
 * The writes of groups, written once for both databases as generators: each yields a compiled
 * query and is handed back its rows. The SQLite writer thread drives one synchronously inside its
 * transaction (runSync), the PostgreSQL path asynchronously inside a pooled transaction (runAsync).
 * `qb` only builds and compiles queries in the dialect at hand; it never runs one.
 */
export type Steps<T> = Generator<CompiledQuery, T, unknown[]>

export interface WriteContext {
  qb: Kysely<Database>
  /** PostgreSQL: lock the conversation rows first (the order every write takes: see events.ts). */
  lockRows: boolean
  now: number
}

/** Runs the steps on a synchronous connection (better-sqlite3), inside the caller's transaction. */
export function runSync<T>(steps: Steps<T>, all: (query: CompiledQuery) => unknown[]): T {
  let next = steps.next()
  while (!next.done) next = steps.next(all(next.value))
  return next.value
}

/** Runs the steps on an asynchronous connection, inside the caller's transaction. */
export async function runAsync<T>(steps: Steps<T>, all: (query: CompiledQuery) => Promise<unknown[]>): Promise<T> {
  let next = steps.next()
  while (!next.done) next = steps.next(await all(next.value))
  return next.value
}

interface LineRow { id: number, conversation_id: string, seq: number, sender_id: number, kind: string, cid: string, text: string, created_at: number }

/** A stored line as the chat layer sees it (a system line's text is its event as JSON). */
export function toGroupMessage(row: LineRow): StoredGroupMessage {
  const base = { conv: row.conversation_id, id: String(row.id), seq: Number(row.seq), from: row.sender_id, ts: Number(row.created_at), cid: row.cid }
  return row.kind === 'system'
    ? { ...base, text: '', system: JSON.parse(row.text) as SystemEvent }
    : { ...base, text: row.text }
}

/**
 * A system line's cid: longer than any client's (MAX_CID_LENGTH is 64), so it can never collide
 * with one under the (sender, cid) uniqueness that deduplicates resends.
 */
function systemCid(conv: string, seq: number): string {
  return `system/${conv}/${seq}/`.padEnd(80, '-')
}

const cidKey = (from: number, cid: string) => `${from}\u0000${cid}`

/**
 * Stores a batch of group messages: per group one UPDATE of its seq and the messages in one
 * INSERT, whatever the number of members (no row per member). A sender who is not a current
 * member is refused (checked after the group's row is locked, so a removal committed first wins);
 * a cid the sender used before answers with the stored message.
 */
export function* storeGroupMessages(ctx: WriteContext, inputs: readonly GroupSendInput[]): Steps<GroupStoreResult[]> {
  const { qb } = ctx
  const results: Array<GroupStoreResult | undefined> = new Array(inputs.length)
  const stored = (yield qb.selectFrom('messages').select(['id', 'conversation_id', 'seq', 'sender_id', 'kind', 'cid', 'text', 'created_at'])
    .where(eb => eb.or(inputs.map(i => eb.and([eb('sender_id', '=', i.from), eb('cid', '=', i.cid)])))).compile()) as LineRow[]
  const storedByKey = new Map(stored.map(row => [cidKey(row.sender_id, row.cid), toGroupMessage(row)]))
  const convs = [...new Set(inputs.map(i => i.conv))].sort()
  if (ctx.lockRows) yield qb.selectFrom('conversations').select('id').where('id', 'in', convs).orderBy('id').forNoKeyUpdate().compile()
  const senders = [...new Set(inputs.map(i => i.from))]
  const memberRows = (yield qb.selectFrom('members').select(['conversation_id', 'user_id'])
    .where('conversation_id', 'in', convs).where('user_id', 'in', senders).where('left_seq', 'is', null).compile()) as Array<{ conversation_id: string, user_id: number }>
  const isMember = new Set(memberRows.map(r => `${r.conversation_id}\u0000${r.user_id}`))
  const fresh: number[] = []
  const firstInBatch = new Map<string, number>()
  inputs.forEach((input, i) => {
    const key = cidKey(input.from, input.cid)
    const existing = storedByKey.get(key)
    if (existing) results[i] = { message: existing, duplicate: true }
    else if (firstInBatch.has(key)) return
    else if (!isMember.has(`${input.conv}\u0000${input.from}`)) results[i] = { notMember: true }
    else {
      firstInBatch.set(key, i)
      fresh.push(i)
    }
  })
  if (fresh.length > 0) {
    const counts = new Map<string, number>()
    for (const i of fresh) counts.set(inputs[i]!.conv, (counts.get(inputs[i]!.conv) ?? 0) + 1)
    const ids = [...counts.keys()].sort()
    const seqRows = (yield qb.updateTable('conversations')
      .set(eb => ({ last_seq: eb('last_seq', '+', incrementFor(counts)) }))
      .where('id', 'in', ids).returning(['id', 'last_seq']).compile()) as Array<{ id: string, last_seq: number }>
    const nextSeq = new Map(seqRows.map(r => [r.id, Number(r.last_seq) - counts.get(r.id)! + 1]))
    const rows = fresh.map((i) => {
      const input = inputs[i]!
      const seq = nextSeq.get(input.conv)!
      nextSeq.set(input.conv, seq + 1)
      return { conversation_id: input.conv, seq, sender_id: input.from, recipient_id: null, kind: 'text' as const, cid: input.cid, text: input.text, created_at: ctx.now }
    })
    const inserted = (yield qb.insertInto('messages').values(rows).returning(['id', 'sender_id', 'cid']).compile()) as Array<{ id: number, sender_id: number, cid: string }>
    const idByKey = new Map(inserted.map(r => [cidKey(r.sender_id, r.cid), Number(r.id)]))
    rows.forEach((row, k) => {
      results[fresh[k]!] = { message: toGroupMessage({ ...row, id: idByKey.get(cidKey(row.sender_id, row.cid))! }), duplicate: false }
    })
  }
  // A cid repeated within the batch: a resend of its first occurrence.
  inputs.forEach((input, i) => {
    if (results[i]) return
    const first = results[firstInBatch.get(cidKey(input.from, input.cid))!]!
    results[i] = 'message' in first ? { message: first.message, duplicate: true } : first
  })
  return results as GroupStoreResult[]
}

/**
 * Moves a member's receipts forward (reading implies having received), capped at the group's
 * newest seq, in one conditional UPDATE; null when nothing moved or they are not a member.
 */
export function* recordGroupReceipt(ctx: WriteContext, { userId, conv, kind, seq }: GroupReceiptInput): Steps<{ delivered: number, read: number } | null> {
  const target = sql<number>`(CASE WHEN ${seq} < (SELECT last_seq FROM conversations WHERE id = ${conv}) THEN ${seq} ELSE (SELECT last_seq FROM conversations WHERE id = ${conv}) END)`
  const forward = (col: 'delivered' | 'read') => sql<number>`(CASE WHEN ${sql.ref(col)} < ${target} THEN ${target} ELSE ${sql.ref(col)} END)`
  const rows = (yield ctx.qb.updateTable('members')
    .set(kind === 'read' ? { delivered: forward('delivered'), read: forward('read') } : { delivered: forward('delivered') })
    .where('conversation_id', '=', conv).where('user_id', '=', userId).where('left_seq', 'is', null)
    .where(kind === 'read' ? sql<boolean>`(delivered < ${target} OR ${sql.ref('read')} < ${target})` : sql<boolean>`delivered < ${target}`)
    .returning(['delivered', 'read']).compile()) as Array<{ delivered: number, read: number }>
  const row = rows[0]
  return row ? { delivered: Number(row.delivered), read: Number(row.read) } : null
}

/**
 * Applies a membership change (create, add, remove or leave, rename, role): the rules decide
 * (groupRules.ts) from the rows read here, then the system lines, the members' rows, the
 * group's row and the stream events of the people who joined or left are written.
 */
export function* applyGroupChange(ctx: WriteContext, change: GroupChange): Steps<GroupChangeResult> {
  const { qb } = ctx
  const conv = change.conv
  if (ctx.lockRows && change.op !== 'create') yield qb.selectFrom('conversations').select('id').where('id', '=', conv).forNoKeyUpdate().compile()
  const group = change.op === 'create'
    ? null
    : ((yield qb.selectFrom('conversations').select(['id', 'name', 'last_seq', 'member_count']).where('id', '=', conv).where('kind', '=', 'group').compile()) as Array<{ id: string, name: string, last_seq: number, member_count: number }>)[0] ?? null
  const userIds = [...new Set([change.actor, ...('users' in change ? change.users : []), ...('user' in change ? [change.user] : [])])]
  const users = (yield qb.selectFrom('users').select(['id', 'username']).where('id', 'in', userIds).compile()) as PublicUser[]
  const members = group
    ? (yield qb.selectFrom('members').innerJoin('users', 'users.id', 'members.user_id')
        .select(['members.user_id', 'users.username', 'members.role', 'members.joined_seq'])
        .where('members.conversation_id', '=', conv).where('members.left_seq', 'is', null).compile()) as Array<{ user_id: number, username: string, role: GroupRole, joined_seq: number }>
    : []
  const joining = change.op === 'create' ? userIds : change.op === 'add' ? change.users.filter(u => !members.some(m => m.user_id === u)) : []
  const groupCounts = joining.length === 0
    ? []
    : (yield qb.selectFrom('members').select(['user_id', eb => eb.fn.countAll<number>().as('n')])
        .where('user_id', 'in', joining).where('left_seq', 'is', null).groupBy('user_id').compile()) as Array<{ user_id: number, n: number }>
  const plan = planGroupChange(change, {
    group: group ? { lastSeq: Number(group.last_seq), memberCount: Number(group.member_count) } : null,
    members: members.map((m): MemberState => ({ userId: m.user_id, username: m.username, role: m.role, joinedSeq: Number(m.joined_seq) })),
    users,
    groupsOf: new Map(groupCounts.map(r => [r.user_id, Number(r.n)])),
  })
  if (!plan.ok) return plan
  if (plan.lines.length === 0) return { ok: true, conv, lines: [], memberships: [], added: [], removed: [] }

  const lastSeq = group ? Number(group.last_seq) : 0
  const lines = plan.lines.map((event, k) => ({
    conversation_id: conv, seq: lastSeq + k + 1, sender_id: change.actor, recipient_id: null,
    kind: 'system' as const, cid: systemCid(conv, lastSeq + k + 1), text: JSON.stringify(event), created_at: ctx.now,
  }))
  const newLastSeq = lastSeq + lines.length
  if (change.op === 'create') {
    yield qb.insertInto('conversations').values({ id: conv, kind: 'group', name: change.name, member_count: plan.memberCount, created_at: ctx.now, last_seq: newLastSeq }).compile()
  }
  else {
    yield qb.updateTable('conversations').set({ last_seq: newLastSeq, member_count: plan.memberCount, ...(plan.name === undefined ? {} : { name: plan.name }) })
      .where('id', '=', conv).compile()
  }
  const inserted = (yield qb.insertInto('messages').values(lines).returning(['id', 'seq']).compile()) as Array<{ id: number, seq: number }>
  const idOfSeq = new Map(inserted.map(r => [Number(r.seq), Number(r.id)]))
  const stored = lines.map(line => toGroupMessage({ ...line, id: idOfSeq.get(line.seq)! }))

  // Members: joined (new or again: the row starts over), left, roles.
  if (plan.joined.length > 0) {
    const rows = plan.joined.map((j) => {
      const before = lastSeq + j.line
      return { conversation_id: conv, user_id: j.userId, role: j.role, joined_seq: before, left_seq: null, joined_at: ctx.now, delivered: before, read: before }
    })
    yield qb.insertInto('members').values(rows)
      .onConflict(oc => oc.columns(['conversation_id', 'user_id']).doUpdateSet(eb => ({
        role: eb.ref('excluded.role'), joined_seq: eb.ref('excluded.joined_seq'), left_seq: null,
        joined_at: eb.ref('excluded.joined_at'), delivered: eb.ref('excluded.delivered'), read: eb.ref('excluded.read'),
      }))).compile()
  }
  for (const l of plan.left) {
    yield qb.updateTable('members').set({ left_seq: lastSeq + l.line + 1 }).where('conversation_id', '=', conv).where('user_id', '=', l.userId).compile()
  }
  for (const r of plan.roles) {
    yield qb.updateTable('members').set({ role: r.role }).where('conversation_id', '=', conv).where('user_id', '=', r.userId).compile()
  }

  // Stream events of the people who joined or left: one each, in user id order (the lock order).
  const streamEvents = [
    ...plan.joined.map(j => ({ userId: j.userId, kind: 'joined' as const, line: j.line })),
    ...plan.left.map(l => ({ userId: l.userId, kind: 'left' as const, line: l.line })),
  ].sort((a, b) => a.userId - b.userId)
  const memberships: GroupChangeResult & { ok: true } extends { memberships: infer M } ? M : never = []
  if (streamEvents.length > 0) {
    const perUser = new Map(streamEvents.map(e => [e.userId, 1]))
    // Users' rows locked in id order, as every other write does (events.ts): the UPDATE alone
    // would lock them in whatever order its scan meets them.
    if (ctx.lockRows) yield qb.selectFrom('users').select('id').where('id', 'in', [...perUser.keys()]).orderBy('id').forNoKeyUpdate().compile()
    const heads = (yield qb.updateTable('users')
      .set(eb => ({ stream_head: eb('stream_head', '+', incrementFor(perUser)) }))
      .where('id', 'in', [...perUser.keys()]).returning(['id', 'stream_head']).compile()) as Array<{ id: number, stream_head: number }>
    const headOf = new Map(heads.map(h => [h.id, Number(h.stream_head)]))
    yield qb.insertInto('events').values(streamEvents.map(e => ({
      user_id: e.userId, pos: headOf.get(e.userId)!, kind: e.kind, conversation_id: conv, message_id: Number(stored[e.line]!.id),
    }))).compile()
    for (const e of streamEvents) memberships.push({ userId: e.userId, pos: headOf.get(e.userId)!, change: e.kind })
  }
  return { ok: true, conv, lines: stored, memberships, added: plan.added, removed: plan.left.map(l => l.userId), name: plan.name }
}
