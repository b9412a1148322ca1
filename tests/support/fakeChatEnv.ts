import { createPinia, setActivePinia } from 'pinia'
import { vi } from 'vitest'
import type { ChatMessage, ConversationSummary, GroupMember, GroupMessage, GroupSummary, PublicUser } from '#shared/protocol'
import { useChatStore } from '../../stores/chat'
import type { ChatApi, ChatEnv } from '../../stores/chat'
import { useConnectionStore } from '../../stores/connection'
import { useContactsStore } from '../../stores/contacts'
import { useConversationsStore } from '../../stores/conversations'
import { WELCOME, createFakeEnv } from './fakeConnectionEnv'
import { memoryStorage } from './memoryStorage'

export interface FakeChatOptions {
  storage?: ReturnType<typeof memoryStorage>
  /** Messages the fake history endpoint pages through. */
  history?: ChatMessage[]
  conversations?: ConversationSummary[]
  /** What GET /api/groups answers (a function: it may change during a test). */
  groups?: GroupSummary[] | (() => GroupSummary[])
  /** Lines the fake group history endpoint pages through, by group. */
  groupHistory?: Record<string, GroupMessage[]>
  /** What GET /api/groups/:id/members answers, by group. */
  members?: Record<string, GroupMember[]>
  /** Accounts the fake search finds (by username prefix, in username order). */
  accounts?: PublicUser[]
  visible?: boolean
}

/**
 * A chat environment on vitest's fake timers: fake HTTP (`api.history` is a spy paging through
 * `history`, `api.groupHistory` through `groupHistory`, `api.searchUsers` through `accounts`),
 * in-memory storage, client ids c1, c2, …
 */
export function createFakeChatEnv(opts: FakeChatOptions = {}) {
  const storage = opts.storage ?? memoryStorage()
  let cid = 0
  const page = <M extends { seq: number }>(all: M[], before: number | null, limit: number) => all.filter(m => before === null || m.seq < before).slice(-limit)
  const api = {
    conversations: vi.fn(async () => opts.conversations ?? []),
    history: vi.fn(async (_peer: number, before: number | null, limit: number) => page(opts.history ?? [], before, limit)),
    groups: vi.fn(async () => (typeof opts.groups === 'function' ? opts.groups() : opts.groups ?? [])),
    groupHistory: vi.fn(async (conv: string, before: number | null, limit: number) => page(opts.groupHistory?.[conv] ?? [], before, limit)),
    members: vi.fn(async (conv: string) => structuredClone(opts.members?.[conv] ?? [])),
    createGroup: vi.fn(async (_name: string, _members: number[]): Promise<GroupSummary> => {
      throw new Error('createGroup: not faked in this test')
    }),
    renameGroup: vi.fn(async (_conv: string, _name: string): Promise<GroupSummary> => {
      throw new Error('renameGroup: not faked in this test')
    }),
    addMembers: vi.fn(async (_conv: string, _users: number[]): Promise<PublicUser[]> => []),
    removeMember: vi.fn(async (_conv: string, _user: number) => {}),
    setRole: vi.fn(async (_conv: string, _user: number, _role: 'admin' | 'member') => {}),
    searchUsers: vi.fn(async (q: string, after: string | null, limit: number) => {
      const found = (opts.accounts ?? [])
        .filter(u => u.username.toLowerCase().startsWith(q.toLowerCase()))
        .sort((a, b) => a.username.localeCompare(b.username))
        .filter(u => after === null || u.username.localeCompare(after) > 0)
      const users = found.slice(0, limit)
      return { users, next: found.length > limit ? users.at(-1)!.username : null }
    }),
  } satisfies ChatApi
  const env: ChatEnv = {
    api,
    storage,
    isVisible: () => opts.visible ?? true,
    newCid: () => `c${++cid}`,
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: id => clearTimeout(id as ReturnType<typeof setTimeout>),
    now: () => Date.now(),
  }
  return { env, api, storage }
}

export interface Sent { type: string, cid?: string, cursor?: number, peer?: number, seq?: number, text?: string }

export const ALICE = { id: 1, username: 'alice' }
export const BOB = { id: 2, username: 'bob' }

/**
 * Alice (1) talking to Bob (2): fresh stores with a fake socket, fake HTTP and in-memory storage,
 * connected and welcomed (not yet synced).
 */
export function setupChat(opts: FakeChatOptions & { welcome?: object } = {}) {
  setActivePinia(createPinia())
  const fake = createFakeEnv()
  const connection = useConnectionStore()
  connection.configure(fake.env)
  const chat = useChatStore()
  const { env, api, storage } = createFakeChatEnv(opts)
  chat.configure(env)
  const people = useContactsStore()
  people.setContacts([{ ...ALICE, online: false }, { ...BOB, online: false }], people.snapshotMark())
  connection.connect()
  const sent = () => fake.socket.frames as Sent[]
  const welcome = (head = 0) => {
    fake.socket.open()
    fake.socket.receive({ ...WELCOME, head, ...opts.welcome })
  }
  welcome()
  return { chat, people, conversations: useConversationsStore(), connection, fake, storage, api, env, sent, welcome }
}
