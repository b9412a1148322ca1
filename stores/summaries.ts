import { defineStore } from 'pinia'
import type { ConversationSummary, GroupSummary } from '#shared/protocol'
import { useContactsStore } from './contacts'
import { useConversationsStore } from './conversations'
import { useGroupsStore } from './groups'
import type { GroupsApi } from './groups'
import { useReceiptsStore } from './receipts'

export interface SummariesEnv {
  api: Pick<GroupsApi, 'groups'> & { conversations(): Promise<ConversationSummary[]> }
}

/**
 * What the server says over HTTP about each conversation and group of the person: receipt state,
 * unread counts, names, member counts, and the names and presence of the people one talks with.
 * Read when the page opens and after every resume (receipts and counts are not replayed), and when
 * a line names someone or a group this page does not know yet.
 */
export const useSummariesStore = defineStore('summaries', () => {
  const people = useContactsStore()
  const conversations = useConversationsStore()
  const groups = useGroupsStore()
  const receipts = useReceiptsStore()
  let env: SummariesEnv | undefined
  let refreshing = false
  let again = false

  function configure(newEnv: SummariesEnv) {
    env = newEnv
  }

  /**
   * Loads the summaries of every conversation and group. Each list is applied as soon as it comes,
   * whatever happens to the other; rejects when either could not be read.
   */
  async function refresh() {
    if (!env) throw new Error('summaries store: call configure() first')
    const mark = people.snapshotMark()
    const groupsMark = groups.listMark()
    const results = await Promise.allSettled([
      env.api.conversations().then(list => applyConversations(list, mark)),
      env.api.groups().then(list => applyGroups(list, groupsMark)),
    ])
    receipts.sendDelivered()
    const failed = results.find(r => r.status === 'rejected')
    if (failed) throw failed.reason
  }

  function applyConversations(summaries: ConversationSummary[], mark: number) {
    people.setContacts(summaries.flatMap(s => (s.peerName === undefined ? [] : [{ id: s.peer, username: s.peerName, online: s.peerOnline }])), mark)
    for (const s of summaries) {
      conversations.applyReceipts(s.peer, s)
      // This device now knows of every message up to lastSeq (some may have come before the
      // stream cursor of a fresh page): that is what "delivered" means. Receipts only move forward.
      if (s.lastSeq > 0) receipts.delivered(s.peer, s.lastSeq)
    }
  }

  function applyGroups(list: GroupSummary[], mark: number) {
    groups.setList(list, mark)
    for (const g of list) {
      if (g.lastSeq > g.delivered) receipts.groupDelivered(g.conv, g.lastSeq)
    }
  }

  /** Refreshes in the background (once more when asked meanwhile); a failure waits for the next one. */
  function refreshSoon() {
    if (refreshing) return void (again = true)
    refreshing = true
    refresh().catch(() => {}).finally(() => {
      refreshing = false
      if (again) {
        again = false
        refreshSoon()
      }
    })
  }

  return { configure, refresh, refreshSoon }
})
