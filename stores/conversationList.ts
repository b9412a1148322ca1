import { defineStore } from 'pinia'
import { computed } from 'vue'
import type { PublicUser } from '#shared/protocol'
import { byActivity } from '../utils/chat/conversationList'
import type { ListEntry } from '../utils/chat/conversationList'
import { someone } from '../utils/i18n/phrases'
import { useChatStore } from './chat'
import { useContactsStore } from './contacts'
import { useConversationsStore } from './conversations'
import { useGroupsStore } from './groups'

/**
 * The sidebar's one list of conversations, direct and groups, newest activity first, with unread
 * counts: people appear once one talks with them (or opens a conversation found by name), never
 * because they merely have an account.
 */
export const useConversationListStore = defineStore('conversationList', () => {
  const chat = useChatStore()
  const people = useContactsStore()
  const conversations = useConversationsStore()
  const groups = useGroupsStore()

  const newest = (items: ReadonlyArray<{ ts: number }>) => items.at(-1)?.ts ?? 0

  const entries = computed<ListEntry[]>(() => byActivity([
    ...Object.values(conversations.byPeer)
      .filter(c => c.peer !== people.me?.id && (c.lastSeq > 0 || c.items.length > 0 || c.activity > 0 || c.peer === chat.selectedId))
      .map(c => ({
        kind: 'direct' as const, key: `u${c.peer}`, peer: c.peer,
        name: people.nameOf(c.peer, someone(c.peer)), online: people.contacts[c.peer]?.online ?? null,
        unread: c.unread, activity: Math.max(c.activity, newest(c.items)),
      })),
    ...Object.values(groups.byConv).map(g => ({
      kind: 'group' as const, key: g.conv, conv: g.conv, name: g.name, memberCount: g.memberCount,
      unread: g.unread, activity: Math.max(g.activity, newest(g.items)), left: g.left,
    })),
  ]))

  /** The people of one's direct conversations: whom a new group can be made with, besides search results. */
  const acquaintances = computed<PublicUser[]>(() => entries.value.flatMap(e => (e.kind === 'direct' ? [{ id: e.peer, username: e.name }] : [])))

  return { entries, acquaintances }
})
