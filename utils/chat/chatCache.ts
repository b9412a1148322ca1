import type { ChatMessage, PublicUser } from '#shared/protocol'
import type { StorageLike } from './outbox'

/**
 * What a browser keeps of one user's chat between page loads, besides the outbox: the stream
 * cursor (so a reload resumes where the last page stopped), the people list and the newest lines of
 * the most recent conversations (so a page reloaded offline still shows them). All bounded; every
 * read tolerates missing or corrupt entries, every write a full or disabled storage.
 */
export const RECENT_PER_CONVERSATION = 50
export const RECENT_CONVERSATIONS = 20

export interface RecentConversation {
  peer: number
  messages: ChatMessage[]
  /** How far the peer got with my messages, so cached lines keep their ticks. */
  peerDelivered: number
  peerRead: number
}

export function createChatCache(storage: StorageLike, userId: number) {
  const keys = {
    cursor: `jizhan.cursor.${userId}`,
    contacts: `jizhan.contacts.${userId}`,
    recent: `jizhan.recent.${userId}`,
  }

  function read(key: string): unknown {
    try {
      return JSON.parse(storage.getItem(key) ?? 'null')
    }
    catch {
      return null
    }
  }

  function write(key: string, value: unknown): void {
    try {
      storage.setItem(key, JSON.stringify(value))
    }
    catch {
      // Storage full or disabled: the page still works; the next one knows less.
    }
  }

  return {
    loadCursor(): number | null {
      const saved = read(keys.cursor)
      return Number.isSafeInteger(saved) && (saved as number) >= 0 ? saved as number : null
    },
    saveCursor: (cursor: number) => write(keys.cursor, cursor),

    loadContacts(): PublicUser[] {
      const saved = read(keys.contacts)
      return Array.isArray(saved)
        ? saved.filter((u): u is PublicUser => Number.isSafeInteger(u?.id) && typeof u.username === 'string')
        : []
    },
    saveContacts: (users: PublicUser[]) => write(keys.contacts, users.map(u => ({ id: u.id, username: u.username }))),

    loadRecent(): RecentConversation[] {
      const saved = read(keys.recent)
      if (!Array.isArray(saved)) return []
      return saved
        .filter((c): c is RecentConversation => Number.isSafeInteger(c?.peer) && Array.isArray(c.messages))
        .map(c => ({
          peer: c.peer,
          messages: c.messages.filter(m => Number.isSafeInteger(m?.seq) && typeof m.id === 'string' && typeof m.text === 'string'),
          peerDelivered: Number.isSafeInteger(c.peerDelivered) ? c.peerDelivered : 0,
          peerRead: Number.isSafeInteger(c.peerRead) ? c.peerRead : 0,
        }))
    },
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
      write(keys.recent, recent)
    },

    /** Forgets everything kept for this user except the outbox (sign-out on a shared computer). */
    forget(): void {
      for (const key of Object.values(keys)) {
        try {
          storage.removeItem(key)
        }
        catch {
          // nothing to forget
        }
      }
    },
  }
}

export type ChatCache = ReturnType<typeof createChatCache>
