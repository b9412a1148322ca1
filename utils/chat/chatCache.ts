import type { PublicUser } from '#shared/protocol'
import { ContactsSchema, CursorSchema, GroupsSchema, RecentSchema, load, remove, save, storageKeys } from './persisted'
import type { KeptGroup, RecentConversation, StorageLike } from './persisted'

export type { KeptGroup, RecentConversation }

/**
 * What a browser keeps of one user's chat between page loads, besides the outbox: the stream
 * cursor and the position in each group shown (so a reload resumes where the last page stopped),
 * the names of people and groups, and the newest lines of the most recent direct conversations (so
 * a page reloaded offline still shows them). All bounded; every read tolerates missing or corrupt
 * entries (see persisted.ts), every write a full or disabled storage.
 */
export const RECENT_PER_CONVERSATION = 50
export const RECENT_CONVERSATIONS = 20

export function createChatCache(storage: StorageLike, userId: number) {
  const { outbox: _outbox, ...keys } = storageKeys(userId)

  return {
    loadCursor: (): number | null => load(storage, keys.cursor, CursorSchema, null),
    saveCursor: (cursor: number) => save(storage, keys.cursor, cursor),

    loadContacts: (): PublicUser[] => load(storage, keys.contacts, ContactsSchema, []),
    saveContacts: (users: PublicUser[]) => save(storage, keys.contacts, users.map(u => ({ id: u.id, username: u.username }))),

    loadRecent: (): RecentConversation[] => load(storage, keys.recent, RecentSchema, []),
    /** Keeps the newest lines of the conversations with the most recent activity. */
    saveRecent(conversations: RecentConversation[]): void {
      const recent = conversations
        .map(c => ({ ...c, messages: c.messages.slice(-RECENT_PER_CONVERSATION) }))
        .filter(c => c.messages.length > 0)
        .sort((a, b) => b.messages.at(-1)!.ts - a.messages.at(-1)!.ts)
        .slice(0, RECENT_CONVERSATIONS)
        .map(c => ({
          peer: c.peer, peerDelivered: c.peerDelivered, peerRead: c.peerRead,
          messages: c.messages.map(({ id, seq, from, to, text, ts, cid }) => ({ id, seq, from, to, text, ts, cid })),
        }))
      save(storage, keys.recent, recent)
    },

    loadGroups: (): KeptGroup[] => load(storage, keys.groups, GroupsSchema, []),
    saveGroups: (groups: KeptGroup[]) => save(storage, keys.groups, groups.map(({ conv, name, seq }) => ({ conv, name, seq }))),

    /** Forgets everything kept for this user except the outbox (sign-out on a shared computer). */
    forget(): void {
      for (const key of Object.values(keys)) remove(storage, key)
    },
  }
}

export type ChatCache = ReturnType<typeof createChatCache>
