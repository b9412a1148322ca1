import type { GroupMessage, GroupRole, PublicUser, SystemEvent } from '#shared/protocol'

/** What the group writes take and give back, the same on SQLite (writer thread) and PostgreSQL. */

/** A stored line of a group: always with the sender's cid (sent to the sender's own sockets only). */
export type StoredGroupMessage = GroupMessage & { cid: string }

/** One message to a group, as the relay received it. */
export interface GroupSendInput { from: number, conv: string, cid: string, text: string }

export type GroupStoreResult
  = | { message: StoredGroupMessage, duplicate: boolean }
  /** The sender is not (or no longer) a member, or there is no such group: nothing written. */
    | { notMember: true }

export interface GroupReceiptInput { userId: number, conv: string, kind: 'delivered' | 'read', seq: number }

/** The limits a change is checked against (from the settings). */
export interface GroupLimits { membersMax: number, groupsPerUserMax: number }

export type GroupChange
  = | { op: 'create', conv: string, actor: number, name: string, users: number[], limits: GroupLimits }
    | { op: 'add', conv: string, actor: number, users: number[], limits: GroupLimits }
    /** Removes `user`; when it is the actor, they leave. */
    | { op: 'remove', conv: string, actor: number, user: number }
    | { op: 'rename', conv: string, actor: number, name: string }
    | { op: 'role', conv: string, actor: number, user: number, role: Exclude<GroupRole, 'owner'> }

export type GroupRefusal = 'not_member' | 'forbidden' | 'unknown_user' | 'group_full' | 'too_many_groups'

/** A current member, as the rules see them. */
export interface MemberState { userId: number, username: string, role: GroupRole, joinedSeq: number }

export interface GroupState {
  /** Null: no such group (or the change creates it). */
  group: { lastSeq: number, memberCount: number } | null
  members: MemberState[]
  /** The users the change names who exist (the actor included). */
  users: PublicUser[]
  /** How many groups each joining user is in now. */
  groupsOf: Map<number, number>
}

export type GroupPlan = {
  ok: true
  /** The system lines to write, in order (they take the next seqs). */
  lines: SystemEvent[]
  /** Who joins, with which role, added by which line (an index into `lines`). */
  joined: Array<{ userId: number, role: GroupRole, line: number }>
  left: Array<{ userId: number, line: number }>
  roles: Array<{ userId: number, role: GroupRole }>
  memberCount: number
  name?: string
  added: PublicUser[]
} | { ok: false, code: GroupRefusal }

export type GroupChangeResult = {
  ok: true
  conv: string
  lines: StoredGroupMessage[]
  /** The stream events written: who joined or left, at which position of their stream. */
  memberships: Array<{ userId: number, pos: number, change: 'joined' | 'left' }>
  added: PublicUser[]
  /** Who is no longer a member (removed, or left). */
  removed: number[]
  name?: string
} | { ok: false, code: GroupRefusal }
