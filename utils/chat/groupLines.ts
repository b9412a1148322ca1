import type { GroupMember, GroupMessage, GroupRole, SystemEvent } from '#shared/protocol'
import { mergeStored } from './conversation'
import type { Line } from './conversation'

/** One line of a group: a message, a system line (membership, rename) or an own line not stored yet. */
export interface GroupItem extends Line {
  system?: SystemEvent
}

/** What a group line shows about itself; `read` means at least one other member read it. */
export type GroupItemStatus = 'sending' | 'failed' | 'sent' | 'read' | 'received' | 'system'

/** Adds a stored group line once, in seq order (see mergeStored); true when anything changed. */
export function mergeGroupMessage(items: GroupItem[], m: GroupMessage): boolean {
  const item: GroupItem & { seq: number } = { key: m.cid ?? m.id, id: m.id, seq: m.seq, cid: m.cid, from: m.from, text: m.text, ts: m.ts }
  if (m.system) item.system = m.system
  return mergeStored(items, item)
}

/**
 * The members other than the line's sender who read it: "Read by k" for a line at `seq`
 * (docs/protocol.md §11: the members whose `read` is at least `seq`, among those who were members
 * when it was written: someone added later starts with `read` at their joining, past older lines).
 */
export function readersOf(members: readonly GroupMember[], line: { seq?: number, from: number }): GroupMember[] {
  const seq = line.seq
  if (seq === undefined) return []
  return members.filter(m => m.id !== line.from && m.joinedSeq < seq && m.read >= seq)
}

/**
 * "Read by k" for many lines at once (a pane of own lines in a group of 1,000): the read positions
 * of the members other than `sender`, sorted once, then a binary search per line.
 */
export function readCounter(members: readonly GroupMember[], sender: number): (seq: number) => number {
  const others = members.filter(m => m.id !== sender)
  const reads = others.map(m => m.read).sort((a, b) => a - b)
  const joins = others.map(m => m.joinedSeq).sort((a, b) => a - b)
  // Those at or past `seq` in a sorted list.
  const atLeast = (sorted: number[], seq: number) => {
    let lo = 0
    let hi = sorted.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (sorted[mid]! >= seq) hi = mid
      else lo = mid + 1
    }
    return sorted.length - lo
  }
  // Everyone who joined at or after `seq` has `read` past it too (it starts at their joining):
  // they are taken out of the count.
  return seq => atLeast(reads, seq) - atLeast(joins, seq)
}

export function groupItemStatus(item: GroupItem, me: number, readers: number): GroupItemStatus {
  if (item.pending) return item.pending
  if (item.system) return 'system'
  if (item.from !== me) return 'received'
  return readers > 0 ? 'read' : 'sent'
}

/** Who may do what in a group (docs/protocol.md §11, the endpoints' 403 rules). */
export const may = {
  rename: (role: GroupRole) => role !== 'member',
  add: (role: GroupRole) => role !== 'member',
  /** Owners remove anyone else; admins remove members only (not the owner, not another admin). */
  remove: (me: { id: number, role: GroupRole }, target: { id: number, role: GroupRole }) =>
    me.id !== target.id && (me.role === 'owner' || (me.role === 'admin' && target.role === 'member')),
  /** Only the owner makes members admins, and admins members again. */
  setRole: (me: { id: number, role: GroupRole }, target: { id: number, role: GroupRole }) =>
    me.role === 'owner' && me.id !== target.id && target.role !== 'owner',
}

/**
 * How a system line changes the group's member list, applied to a loaded list so it stays current
 * without asking the server again. Pure apart from returning a new list.
 */
export function membersAfter(members: readonly GroupMember[], from: number, event: SystemEvent, seq: number): GroupMember[] {
  switch (event.event) {
    case 'added': {
      const known = new Set(members.map(m => m.id))
      const fresh = event.users.filter(u => !known.has(u.id))
      return [...members, ...fresh.map(u => ({ ...u, role: 'member' as const, joinedSeq: seq - 1, delivered: seq - 1, read: seq - 1, online: false }))]
    }
    case 'removed': {
      const gone = new Set(event.users.map(u => u.id))
      return members.filter(m => !gone.has(m.id))
    }
    case 'left':
      return members.filter(m => m.id !== from).map(m => (m.id === event.owner?.id ? { ...m, role: 'owner' as const } : m))
    case 'role':
      return members.map(m => (m.id === event.user.id ? { ...m, role: event.role } : m))
    default:
      return [...members]
  }
}
