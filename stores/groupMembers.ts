import { defineStore } from 'pinia'
import { reactive } from 'vue'
import type { GroupMember, GroupReceiptFrame, GroupRole, GroupSummary, PublicUser, SystemEvent } from '#shared/protocol'
import { errorCode } from '../utils/chat/apiError'
import { membersAfter, readersOf } from '../utils/chat/groupLines'
import { useConnectionStore } from './connection'
import { useContactsStore } from './contacts'
import { useGroupsStore } from './groups'

/** The membership endpoints (docs/protocol.md §11), injected so the store also runs outside a browser. */
export interface GroupMembersApi {
  members(conv: string): Promise<GroupMember[]>
  createGroup(name: string, members: number[]): Promise<GroupSummary>
  renameGroup(conv: string, name: string): Promise<GroupSummary>
  addMembers(conv: string, users: number[]): Promise<PublicUser[]>
  removeMember(conv: string, user: number): Promise<void>
  setRole(conv: string, user: number, role: Exclude<GroupRole, 'owner'>): Promise<void>
}

export interface GroupMembersEnv {
  api: GroupMembersApi
}

/** What an action answers: null when it worked, else the server's error code (worded by the page). */
export type Outcome = string | null

/**
 * The members of the groups the person looks at: loaded on demand (GET /members), kept current by
 * system lines and `groupReceipt` frames, and from them who read a line ("Read by k") and how many
 * are online. Also what the person does to a group's membership: create, rename, add, remove, leave.
 */
export const useGroupMembersStore = defineStore('groupMembers', () => {
  const connection = useConnectionStore()
  const people = useContactsStore()
  const groups = useGroupsStore()
  /** Loaded member lists, by group. */
  const byConv = reactive<Record<string, GroupMember[]>>({})
  /** Receipts that arrived while a group's list was on its way, by group and member. */
  const early = new Map<string, Map<number, { delivered: number, read: number }>>()
  let env: GroupMembersEnv | undefined

  function need(): GroupMembersEnv {
    if (!env) throw new Error('group members store: call configure() first')
    return env
  }

  function configure(newEnv: GroupMembersEnv) {
    env = newEnv
  }

  /**
   * Loads (or reloads) a group's members; false when it failed. Receipts that arrived meanwhile are
   * kept (they only grow), and the members' presence goes to the contacts store.
   */
  async function load(conv: string): Promise<boolean> {
    const mark = people.snapshotMark()
    if (!early.has(conv)) early.set(conv, new Map())
    let list: GroupMember[]
    try {
      list = await need().api.members(conv)
    }
    catch {
      return false
    }
    if (groups.byConv[conv]?.left) return false
    const known = new Map<number, { delivered: number, read: number }>([...(byConv[conv] ?? []).map(m => [m.id, m] as const), ...early.get(conv) ?? []])
    early.delete(conv)
    byConv[conv] = list.map((m) => {
      const was = known.get(m.id)
      return was ? { ...m, delivered: Math.max(m.delivered, was.delivered), read: Math.max(m.read, was.read) } : m
    })
    // (The member count stays the groups store's: summaries and system lines, one source.)
    people.setContacts(list, mark)
    return true
  }

  /** A member's receipts moved (live only): the read positions behind "Read by k". */
  function applyReceipt(frame: GroupReceiptFrame) {
    const list = byConv[frame.conv]
    const byId = list && frame.receipts.length > 1 ? new Map(list.map(m => [m.id, m])) : undefined
    for (const r of frame.receipts) {
      if (r.user === people.me?.id) groups.selfReceipt(frame.conv, r.delivered, r.read)
      const member = (byId ? byId.get(r.user) : list?.find(m => m.id === r.user)) ?? early.get(frame.conv)?.get(r.user)
      if (member) {
        member.delivered = Math.max(member.delivered, r.delivered)
        member.read = Math.max(member.read, r.read)
      }
      else early.get(frame.conv)?.set(r.user, { delivered: r.delivered, read: r.read })
    }
  }

  /** A new system line changes a loaded member list as it says. */
  function applySystem(conv: string, from: number, event: SystemEvent, seq: number) {
    const list = byConv[conv]
    if (list) byConv[conv] = membersAfter(list, from, event, seq)
  }

  /** The members other than its sender who read a line. */
  function readers(conv: string, line: { seq?: number, from: number }): GroupMember[] {
    return readersOf(byConv[conv] ?? [], line)
  }

  /** How many members are online now: me while connected, the others as presence says. */
  function onlineCount(conv: string): number {
    return (byConv[conv] ?? []).filter(m => (m.id === people.me?.id ? connection.isOpen : people.contacts[m.id]?.online === true)).length
  }

  // ---- actions -----------------------------------------------------------------------------------

  async function attempt(action: () => Promise<unknown>): Promise<Outcome> {
    try {
      await action()
      return null
    }
    catch (error) {
      return errorCode(error)
    }
  }

  /** Creates a group with me as its owner; answers its id, or the error code. */
  async function create(name: string, members: number[]): Promise<{ conv: string } | { problem: string }> {
    try {
      const summary = await need().api.createGroup(name, members)
      groups.join(summary)
      return { conv: summary.conv }
    }
    catch (error) {
      return { problem: errorCode(error) }
    }
  }

  const rename = (conv: string, name: string) => attempt(async () => groups.update(await need().api.renameGroup(conv, name)))
  const add = (conv: string, users: number[]) => attempt(() => need().api.addMembers(conv, users))
  const remove = (conv: string, user: number) => attempt(() => need().api.removeMember(conv, user))
  const setRole = (conv: string, user: number, role: Exclude<GroupRole, 'owner'>) => attempt(() => need().api.setRole(conv, user, role))

  /** Leaves the group: it stays shown, marked, until the page reloads. */
  async function leave(conv: string): Promise<Outcome> {
    const me = people.me?.id
    if (me === undefined) return 'failed'
    const outcome = await attempt(() => need().api.removeMember(conv, me))
    // Not a member already: the same end.
    if (outcome === null || outcome === 'not_member') {
      groups.leave(conv)
      forget(conv)
      return null
    }
    return outcome
  }

  /** No longer a member: the list is closed to the person. */
  function forget(conv: string) {
    Reflect.deleteProperty(byConv, conv)
    early.delete(conv)
  }

  function reset() {
    for (const conv of Object.keys(byConv)) forget(conv)
  }

  return { byConv, configure, load, applyReceipt, applySystem, readers, onlineCount, create, rename, add, remove, setRole, leave, forget, reset }
})
