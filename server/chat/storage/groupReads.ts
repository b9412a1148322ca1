import { sql } from 'kysely'
import type { GroupMember, GroupRole, GroupSummary } from '#shared/protocol'
import { useDb } from '../../infra/db'
import type { StoredGroupMessage } from './groupModel'
import { toGroupMessage } from './groupWrites'

/**
 * What is read of groups: summaries, members, lines. Each bounded by the user's groups (at most
 * NUXT_GROUPS_PER_USER_MAX), a group's members (NUXT_GROUP_MEMBERS_MAX) or a page of lines.
 */

const lineColumns = ['messages.id', 'messages.conversation_id', 'messages.seq', 'messages.sender_id', 'messages.kind', 'messages.cid', 'messages.text', 'messages.created_at'] as const

/** A line as one member receives it: the cid only on the sender's own copies (never a system line's). */
export function lineFor(line: StoredGroupMessage, userId: number) {
  if (line.from === userId && line.system === undefined) return line
  const { cid: _cid, ...rest } = line
  return rest
}

/** A user's place in a group, current or past; null when they were never in it. */
export interface Membership { role: GroupRole, joinedSeq: number, leftSeq: number | null }

export async function membershipOf(userId: number, conv: string): Promise<Membership | null> {
  const db = await useDb()
  const row = await db.selectFrom('members').select(['role', 'joined_seq', 'left_seq'])
    .where('conversation_id', '=', conv).where('user_id', '=', userId).executeTakeFirst()
  return row ? { role: row.role, joinedSeq: Number(row.joined_seq), leftSeq: row.left_seq === null ? null : Number(row.left_seq) } : null
}

/** The user's groups (current memberships) as they see them, in four queries however many. */
export async function groupsOf(userId: number, only?: string): Promise<GroupSummary[]> {
  const db = await useDb()
  let query = db.selectFrom('members').innerJoin('conversations', 'conversations.id', 'members.conversation_id')
    .select(['conversations.id', 'conversations.name', 'conversations.member_count', 'conversations.last_seq', 'members.role', 'members.joined_seq', 'members.left_seq', 'members.delivered', 'members.read'])
    .where('members.user_id', '=', userId)
  // One group (a membership event): also one they left, cut at the line that says they left
  // (nothing after it is theirs: not its newest line, nor how many there are).
  query = only === undefined ? query.where('members.left_seq', 'is', null) : query.where('conversations.id', '=', only)
  const rows = await query.execute()
  if (rows.length === 0) return []
  const ids = rows.map(r => r.id)
  const unread = await db.selectFrom('messages').innerJoin('members', join => join
    .onRef('members.conversation_id', '=', 'messages.conversation_id').on('members.user_id', '=', userId))
    .select(['messages.conversation_id', eb => eb.fn.countAll<number>().as('n')])
    .where('messages.conversation_id', 'in', ids).where('messages.sender_id', '<>', userId).where('messages.kind', '=', 'text')
    .where(sql<boolean>`messages.seq > (CASE WHEN members.read > members.joined_seq THEN members.read ELSE members.joined_seq END)`)
    .groupBy('messages.conversation_id').execute()
  const unreadOf = new Map(unread.map(r => [r.conversation_id, Number(r.n)]))
  const last = await db.selectFrom('messages').innerJoin('conversations', join => join
    .onRef('conversations.id', '=', 'messages.conversation_id').onRef('conversations.last_seq', '=', 'messages.seq'))
    .select(lineColumns).where('messages.conversation_id', 'in', ids).execute()
  const lastOf = new Map(last.map(r => [r.conversation_id, toGroupMessage(r)]))
  return rows.map((r) => {
    const line = lastOf.get(r.id)
    const joinedSeq = Number(r.joined_seq)
    if (r.left_seq !== null) {
      const leftSeq = Number(r.left_seq)
      return { conv: r.id, name: r.name ?? '', role: r.role, memberCount: 0, lastSeq: leftSeq, joinedSeq, delivered: Math.min(Number(r.delivered), leftSeq), read: Math.min(Number(r.read), leftSeq), unread: 0, last: null }
    }
    return {
      conv: r.id,
      name: r.name ?? '',
      role: r.role,
      memberCount: Number(r.member_count),
      lastSeq: Number(r.last_seq),
      joinedSeq,
      delivered: Number(r.delivered),
      read: Number(r.read),
      unread: unreadOf.get(r.id) ?? 0,
      last: line && line.seq > joinedSeq ? lineFor(line, userId) : null,
    }
  })
}

/** Where each of the user's groups is now: what a resume starts from. */
export async function groupHeads(userId: number): Promise<Array<{ conv: string, lastSeq: number, joinedSeq: number }>> {
  const db = await useDb()
  const rows = await db.selectFrom('members').innerJoin('conversations', 'conversations.id', 'members.conversation_id')
    .select(['conversations.id', 'conversations.last_seq', 'members.joined_seq'])
    .where('members.user_id', '=', userId).where('members.left_seq', 'is', null).execute()
  return rows.map(r => ({ conv: r.id, lastSeq: Number(r.last_seq), joinedSeq: Number(r.joined_seq) }))
}

/** The current members, with their receipts (GET /members; `online` is added by the caller). */
export async function membersOf(conv: string): Promise<Array<Omit<GroupMember, 'online'>>> {
  const db = await useDb()
  const rows = await db.selectFrom('members').innerJoin('users', 'users.id', 'members.user_id')
    .select(['users.id', 'users.username', 'members.role', 'members.joined_seq', 'members.delivered', 'members.read'])
    .where('members.conversation_id', '=', conv).where('members.left_seq', 'is', null)
    .orderBy('members.joined_seq').orderBy('users.id').execute()
  return rows.map(r => ({ id: r.id, username: r.username, role: r.role, joinedSeq: Number(r.joined_seq), delivered: Number(r.delivered), read: Number(r.read) }))
}

/** Everyone ever in the group with the span of lines that are theirs: whom a line goes to. */
export async function deliverySpans(conv: string): Promise<{ lastSeq: number, spans: Array<{ userId: number, joinedSeq: number, leftSeq: number | null }> }> {
  const db = await useDb()
  // The seq first, the members after: members read later can only be newer than the seq says
  // (harmless), never older (a removal missed for a line the cache would then serve).
  const group = await db.selectFrom('conversations').select('last_seq').where('id', '=', conv).executeTakeFirst()
  const rows = await db.selectFrom('members').select(['user_id', 'joined_seq', 'left_seq']).where('conversation_id', '=', conv).execute()
  return {
    lastSeq: Number(group?.last_seq ?? 0),
    spans: rows.map(r => ({ userId: r.user_id, joinedSeq: Number(r.joined_seq), leftSeq: r.left_seq === null ? null : Number(r.left_seq) })),
  }
}

/**
 * The lines of a group after `afterSeq` that are the user's to see (after they joined, up to the
 * line that says they left), oldest first, at most `limit`.
 */
export async function linesAfter(userId: number, conv: string, afterSeq: number, limit: number): Promise<StoredGroupMessage[]> {
  const db = await useDb()
  const rows = await db.selectFrom('messages').innerJoin('members', join => join
    .onRef('members.conversation_id', '=', 'messages.conversation_id').on('members.user_id', '=', userId))
    .select(lineColumns)
    .where('messages.conversation_id', '=', conv).where('messages.seq', '>', afterSeq)
    .whereRef('messages.seq', '>', 'members.joined_seq')
    .where(eb => eb.or([eb('members.left_seq', 'is', null), eb('messages.seq', '<=', eb.ref('members.left_seq'))]))
    .orderBy('messages.seq').limit(limit).execute()
  return rows.map(toGroupMessage)
}

/** One page of a group's history for a current member, oldest first (only lines after they joined). */
export async function groupHistory(userId: number, conv: string, beforeSeq: number | null, limit: number): Promise<StoredGroupMessage[]> {
  const db = await useDb()
  let query = db.selectFrom('messages').innerJoin('members', join => join
    .onRef('members.conversation_id', '=', 'messages.conversation_id').on('members.user_id', '=', userId))
    .select(lineColumns)
    .where('messages.conversation_id', '=', conv).where('members.left_seq', 'is', null)
    .whereRef('messages.seq', '>', 'members.joined_seq')
  if (beforeSeq !== null) query = query.where('messages.seq', '<', beforeSeq)
  const rows = await query.orderBy('messages.seq', 'desc').limit(limit).execute()
  return rows.reverse().map(toGroupMessage)
}
