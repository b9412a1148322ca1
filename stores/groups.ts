import { defineStore } from 'pinia'
import { computed, reactive } from 'vue'
import type { GroupMessage, GroupSummary, SystemEvent } from '#shared/protocol'
import type { ChatCache } from '../utils/chat/chatCache'
import { isStored } from '../utils/chat/conversation'
import { mergeGroupMessage } from '../utils/chat/groupLines'
import type { GroupItem } from '../utils/chat/groupLines'
import { createGroupPositions } from '../utils/chat/groupPositions'
import type { GroupVerdict } from '../utils/chat/groupPositions'
import { HISTORY_PAGE, loadPage, oldestSeq } from '../utils/chat/history'
import type { LoadError, Paged } from '../utils/chat/history'
import { useContactsStore } from './contacts'

/** The group endpoints this store reads, injected so the store also runs outside a browser. */
export interface GroupsApi {
  /** GET /api/groups: every group the user is in. */
  groups(): Promise<GroupSummary[]>
  /** Oldest first: the newest page, or the page before `beforeSeq`. */
  groupHistory(conv: string, beforeSeq: number | null, limit: number): Promise<GroupMessage[]>
}

export interface GroupsEnv {
  api: GroupsApi
}

export interface Group extends Omit<GroupSummary, 'last'>, Paged {
  /** The person left or was removed: the group stays listed and readable here, nothing is sent to it. */
  left: boolean
  items: GroupItem[]
  /** When the newest line known was written (ms): the conversation list's order. */
  activity: number
}

/**
 * The groups of the signed-in user: the list (from GET /api/groups, kept current by membership
 * events and system lines), each group's lines in seq order (history pages and the socket, own
 * lines still in the outbox), unread counts, and this browser's position in each group, which the
 * next `resume` lists so that nothing is missed or shown twice (utils/chat/groupPositions.ts).
 * Names and positions are kept in storage. The chat store decides when things happen.
 */
export const useGroupsStore = defineStore('groups', () => {
  const people = useContactsStore()
  const byConv = reactive<Record<string, Group>>({})
  const positions = createGroupPositions()
  let env: GroupsEnv | undefined
  let cache: ChatCache | undefined
  /** Counts membership changes; each group remembers the count of its last one (see setList). */
  let changes = 0
  const changedAt = new Map<string, number>()

  function need(): GroupsEnv {
    if (!env) throw new Error('groups store: call configure() first')
    return env
  }

  function configure(newEnv: GroupsEnv) {
    env = newEnv
  }

  /** Unread count per group. */
  const unread = computed(() => Object.fromEntries(Object.values(byConv).map(g => [g.conv, g.unread])))

  function group(conv: string): Group {
    return byConv[conv] ??= {
      conv, name: conv, role: 'member', memberCount: 0, lastSeq: 0, joinedSeq: 0, delivered: 0, read: 0, unread: 0,
      left: false, items: [], loaded: false, hasOlder: true, loadError: null, activity: 0,
    }
  }

  /** Shows the groups an earlier page of this user kept, and continues from their positions. */
  function open(userCache: ChatCache) {
    cache = userCache
    for (const kept of cache.loadGroups()) {
      const g = group(kept.conv)
      g.name = kept.name
      g.lastSeq = Math.max(g.lastSeq, kept.seq)
      positions.raise(kept.conv, kept.seq)
    }
  }

  /**
   * The member's view of a group from the server. Name, role and counts are exact as of its
   * `lastSeq`: a summary older than lines already seen here leaves what those lines changed.
   */
  function update(s: GroupSummary) {
    const g = group(s.conv)
    g.left = false
    if (s.last) g.activity = Math.max(g.activity, s.last.ts)
    g.delivered = Math.max(g.delivered, s.delivered)
    if (s.lastSeq < g.lastSeq) {
      if (s.read > g.read) g.read = s.read
      return save()
    }
    Object.assign(g, { name: s.name, role: s.role, memberCount: s.memberCount, joinedSeq: s.joinedSeq, lastSeq: s.lastSeq })
    if (s.read >= g.read) {
      g.read = s.read
      g.unread = s.unread
    }
    save()
  }

  /** Marks the moment the groups list is asked for (see setList). */
  function listMark(): number {
    return changes
  }

  /**
   * The groups list (GET /api/groups) asked for at `mark`: groups in it are current, groups missing
   * from it were left — except those whose membership changed after it was asked for (the
   * membership event is newer than the list). This browser now knows each group up to its `lastSeq`.
   */
  function setList(summaries: readonly GroupSummary[], mark: number) {
    const listed = new Set(summaries.map(s => s.conv))
    for (const s of summaries) {
      if ((changedAt.get(s.conv) ?? -1) > mark) continue
      update(s)
      // A group with a position gets its lines from the socket (live, or replayed on the next
      // resume): the list's lastSeq must not move it, or the lines still on their way would be
      // taken for ones this page has and dropped. A group without one starts from the newest.
      if (positions.get(s.conv) === undefined) positions.raise(s.conv, s.lastSeq)
    }
    for (const g of Object.values(byConv)) {
      if (!listed.has(g.conv) && !g.left && (changedAt.get(g.conv) ?? -1) <= mark) markLeft(g.conv)
    }
    save()
  }

  /** The user joined a group (created it, or was added): from then on its lines reach this browser. */
  function join(s: GroupSummary) {
    changedAt.set(s.conv, ++changes)
    update(s)
    // The server replays a group joined while away from the line after the one that added them.
    positions.raise(s.conv, s.joinedSeq)
    save()
  }

  /** The user left or was removed: the group stays shown, marked, and is neither resumed nor sent to. */
  function leave(conv: string) {
    changedAt.set(conv, ++changes)
    markLeft(conv)
    save()
  }

  function markLeft(conv: string) {
    group(conv).left = true
    group(conv).unread = 0
    positions.forget(conv)
  }

  /** What to do with a line that arrived on the socket (see groupPositions); the position is kept. */
  function accept(conv: string, seq: number): GroupVerdict {
    const verdict = positions.accept(conv, seq)
    if (verdict === 'apply') save()
    return verdict
  }

  /**
   * Retention deleted the group's lines up to `seq`, past this browser's position: it moves there,
   * and the group forgets its stored lines and reads its newest page again when shown. True when
   * this browser follows the group.
   */
  function trimmed(conv: string, seq: number): boolean {
    const g = byConv[conv]
    const at = positions.get(conv)
    if (!g || g.left || (at !== undefined && at >= seq)) return false
    g.items = g.items.filter(i => !isStored(i))
    Object.assign(g, { loaded: false, hasOlder: true, loadError: null })
    positions.raise(conv, seq)
    save()
    return true
  }

  /** An own line was stored at `seq`: the position may move past it. */
  function acked(conv: string, seq: number) {
    positions.acked(conv, seq)
    save()
  }

  /**
   * Adds a stored line (once, in seq order); true when it is newer than any this browser knew. A
   * newer system line changes the group as it says (a summary already counts the older ones).
   */
  function addMessage(m: GroupMessage): boolean {
    const g = group(m.conv)
    const wasNew = m.seq > g.lastSeq
    g.lastSeq = Math.max(g.lastSeq, m.seq)
    g.activity = Math.max(g.activity, m.ts)
    mergeGroupMessage(g.items, m)
    if (wasNew && m.system) applySystem(g, m.system)
    return wasNew
  }

  function applySystem(g: Group, event: SystemEvent) {
    const me = people.me?.id
    switch (event.event) {
      case 'renamed':
        g.name = event.name
        return save()
      case 'added':
        g.memberCount += event.users.length
        return
      case 'removed':
        g.memberCount = Math.max(0, g.memberCount - event.users.length)
        return
      case 'left':
        g.memberCount = Math.max(0, g.memberCount - 1)
        if (event.owner?.id === me) g.role = 'owner'
        return
      case 'role':
        if (event.user.id === me) g.role = event.role
    }
  }

  /** My own receipts moved (on another device, or the server says so). */
  function selfReceipt(conv: string, delivered: number, read: number) {
    const g = byConv[conv]
    if (!g) return
    g.delivered = Math.max(g.delivered, delivered)
    if (read > g.read) g.read = read
    if (g.read >= g.lastSeq) g.unread = 0
  }

  /** This browser told the server the group was read up to `seq`. */
  function markedRead(conv: string, seq: number) {
    const g = group(conv)
    g.read = Math.max(g.read, seq)
    g.unread = 0
  }

  /** The newest seq the pane shows (0 until the newest page is loaded): what "read" may claim. */
  function shownSeq(conv: string): number {
    const g = group(conv)
    return g.loaded ? g.items.reduce((max, i) => Math.max(max, i.seq ?? 0), 0) : 0
  }

  /** `[group, seq]` for each group this browser shows: the `groups` of the next resume (at most 10,000). */
  function resumeEntries(): Array<[string, number]> {
    return positions.entries().slice(0, 10_000)
  }

  // ---- history -----------------------------------------------------------------------------------

  /** Loads the newest page unless it is loaded; resolves false when it failed. Never rejects. */
  async function loadNewest(conv: string): Promise<boolean> {
    const g = group(conv)
    return g.loaded || loadPageOf(g, null)
  }

  /** Loads the page before the oldest line shown; false when there is none or it failed. */
  async function loadOlder(conv: string): Promise<boolean> {
    const g = group(conv)
    const oldest = oldestSeq(g.items)
    if (!g.hasOlder || (oldest !== null && oldest <= g.joinedSeq + 1) || g.loadError) return false
    return loadPageOf(g, oldest)
  }

  /** Which page failed to load, clearing it for another try. */
  function takeLoadError(conv: string): LoadError | null {
    const g = group(conv)
    const failed = g.loadError
    g.loadError = null
    return failed
  }

  function loadPageOf(g: Group, beforeSeq: number | null): Promise<boolean> {
    return loadPage(g, beforeSeq, () => need().api.groupHistory(g.conv, beforeSeq, HISTORY_PAGE), (page) => {
      for (const m of page) addMessage(m)
      const newest = page.at(-1)
      if (beforeSeq === null && newest && !g.left && positions.raise(g.conv, newest.seq)) save()
    }, g.joinedSeq + 1)
  }

  // ---- storage -----------------------------------------------------------------------------------

  /** Keeps the names and positions of the groups this browser shows (not those it left). */
  function save() {
    cache?.saveGroups(Object.values(byConv)
      .filter(g => !g.left)
      .map(g => ({ conv: g.conv, name: g.name, seq: positions.get(g.conv) ?? 0 })))
  }

  /** Forgets every group; nothing is saved after it. */
  function reset() {
    for (const conv of Object.keys(byConv)) Reflect.deleteProperty(byConv, conv)
    positions.reset()
    changedAt.clear()
    cache = undefined
  }

  return {
    byConv, unread,
    configure, group, open, update, listMark, setList, join, leave, accept, trimmed, acked, addMessage, selfReceipt, markedRead,
    shownSeq, resumeEntries, loadNewest, loadOlder, takeLoadError, reset,
  }
})
