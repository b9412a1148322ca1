import { createPinia, setActivePinia } from 'pinia'
import { vi } from 'vitest'
import type { ChatMessage, ConversationSummary } from '#shared/protocol'
import { useChatStore } from '../../stores/chat'
import type { ChatApi, ChatEnv } from '../../stores/chat'
import { useConnectionStore } from '../../stores/connection'
import { useContactsStore } from '../../stores/contacts'
import type { Contact } from '../../stores/contacts'
import { useConversationsStore } from '../../stores/conversations'
import { WELCOME, createFakeEnv } from './fakeConnectionEnv'
import { memoryStorage } from './memoryStorage'

export interface FakeChatOptions {
  storage?: ReturnType<typeof memoryStorage>
  /** Messages the fake history endpoint pages through. */
  history?: ChatMessage[]
  conversations?: ConversationSummary[]
  users?: Contact[]
  visible?: boolean
}

/**
 * A chat environment on vitest's fake timers: fake HTTP (`api.history` is a spy paging through
 * `history`), in-memory storage, client ids c1, c2, …
 */
export function createFakeChatEnv(opts: FakeChatOptions = {}) {
  const storage = opts.storage ?? memoryStorage()
  let cid = 0
  const api = {
    users: vi.fn(async () => opts.users ?? []),
    conversations: vi.fn(async () => opts.conversations ?? []),
    history: vi.fn(async (_peer: number, before: number | null, limit: number) => {
      const all = opts.history ?? []
      return all.filter(m => before === null || m.seq < before).slice(-limit)
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
