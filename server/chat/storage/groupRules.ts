import type { PublicUser, SystemEvent } from '#shared/protocol'
import type { GroupChange, GroupPlan, GroupState, MemberState } from './groupModel'

/**
 * Who may change a group, and what the change writes: a pure decision from the rows the write
 * read (storage/groupWrites.ts), so every rule is tested without a database.
 * - The creator owns the group; owners and admins add, remove and rename; only the owner changes
 *   roles; an admin cannot remove the owner or another admin; anyone may leave.
 * - When the owner leaves, the longest-standing admin (else member) becomes owner.
 * - Limits: members per group, groups per person (both joining and existing members count).
 */
export function planGroupChange(change: GroupChange, state: GroupState): GroupPlan {
  const userById = new Map(state.users.map(u => [u.id, u]))
  const member = (userId: number) => state.members.find(m => m.userId === userId)
  const refuse = (code: Extract<GroupPlan, { ok: false }>['code']): GroupPlan => ({ ok: false, code })
  for (const m of state.members) if (!userById.has(m.userId)) userById.set(m.userId, { id: m.userId, username: m.username })
  const user = (id: number): PublicUser => userById.get(id)!

  if (change.op === 'create') {
    const others = [...new Set(change.users)].filter(u => u !== change.actor)
    if ([change.actor, ...others].some(u => !state.users.some(x => x.id === u))) return refuse('unknown_user')
    if (others.length + 1 > change.limits.membersMax) return refuse('group_full')
    if ([change.actor, ...others].some(u => (state.groupsOf.get(u) ?? 0) >= change.limits.groupsPerUserMax)) return refuse('too_many_groups')
    const lines: SystemEvent[] = [{ event: 'created', name: change.name }]
    if (others.length > 0) lines.push({ event: 'added', users: others.map(user) })
    return {
      ok: true,
      lines,
      joined: [{ userId: change.actor, role: 'owner', line: 0 }, ...others.map(userId => ({ userId, role: 'member' as const, line: 1 }))],
      left: [],
      roles: [],
      memberCount: others.length + 1,
      name: change.name,
      added: others.map(user),
    }
  }

  const actor = member(change.actor)
  if (!state.group || !actor) return refuse('not_member')
  const unchanged = { joined: [], left: [], roles: [], memberCount: state.members.length, added: [] }
  const manages = actor.role === 'owner' || actor.role === 'admin'

  switch (change.op) {
    case 'add': {
      if (!manages) return refuse('forbidden')
      const ids = [...new Set(change.users)]
      if (ids.some(u => !state.users.some(x => x.id === u))) return refuse('unknown_user')
      const fresh = ids.filter(u => !member(u))
      if (fresh.length === 0) return { ok: true, lines: [], ...unchanged }
      if (state.members.length + fresh.length > change.limits.membersMax) return refuse('group_full')
      if (fresh.some(u => (state.groupsOf.get(u) ?? 0) >= change.limits.groupsPerUserMax)) return refuse('too_many_groups')
      return {
        ok: true,
        lines: [{ event: 'added', users: fresh.map(user) }],
        joined: fresh.map(userId => ({ userId, role: 'member' as const, line: 0 })),
        left: [],
        roles: [],
        memberCount: state.members.length + fresh.length,
        added: fresh.map(user),
      }
    }
    case 'remove': {
      if (change.user === change.actor) return leave(actor, state)
      const target = member(change.user)
      if (!target) return refuse('not_member')
      const may = actor.role === 'owner' || (actor.role === 'admin' && target.role === 'member')
      if (!may) return refuse('forbidden')
      return {
        ok: true,
        lines: [{ event: 'removed', users: [user(target.userId)] }],
        joined: [],
        left: [{ userId: target.userId, line: 0 }],
        roles: [],
        memberCount: state.members.length - 1,
        added: [],
      }
    }
    case 'rename':
      if (!manages) return refuse('forbidden')
      return { ok: true, lines: [{ event: 'renamed', name: change.name }], ...unchanged, name: change.name }
    case 'role': {
      if (actor.role !== 'owner') return refuse('forbidden')
      const target = member(change.user)
      if (!target) return refuse('not_member')
      if (target.role === 'owner') return refuse('forbidden')
      if (target.role === change.role) return { ok: true, lines: [], ...unchanged }
      return { ok: true, lines: [{ event: 'role', user: user(target.userId), role: change.role }], ...unchanged, roles: [{ userId: target.userId, role: change.role }] }
    }
  }
}

/** The actor leaves; an owner hands the group to the longest-standing admin, else member. */
function leave(actor: MemberState, state: GroupState): GroupPlan {
  const others = state.members.filter(m => m.userId !== actor.userId)
  const byTenure = (a: MemberState, b: MemberState) => a.joinedSeq - b.joinedSeq || a.userId - b.userId
  const heir = actor.role === 'owner' && others.length > 0
    ? ([...others.filter(m => m.role === 'admin')].sort(byTenure)[0] ?? [...others].sort(byTenure)[0])
    : undefined
  const heirUser = heir && { id: heir.userId, username: heir.username }
  return {
    ok: true,
    lines: [heirUser ? { event: 'left', owner: heirUser } : { event: 'left' }],
    joined: [],
    left: [{ userId: actor.userId, line: 0 }],
    roles: heir ? [{ userId: heir.userId, role: 'owner' }] : [],
    memberCount: others.length,
    added: [],
  }
}
