import { randomUUID } from 'node:crypto'
import { createPinia } from 'pinia'
import WebSocket from 'ws'
import type { ChatMessage, ConversationSummary, GroupMember, GroupMessage, GroupSummary, PublicUser } from '#shared/protocol'
import { useChatStore } from '../../stores/chat'
import { useConnectionStore } from '../../stores/connection'
import type { SocketLike } from '../../stores/connection'
import { useConversationsStore } from '../../stores/conversations'
import { useGroupsStore } from '../../stores/groups'
import { useTypingStore } from '../../stores/typing'
import type { TestUser } from './accounts'

/**
 * The real client logic (connection and chat stores: heartbeat, backoff, resume, outbox) running in
 * Node against a real server: one instance is one browser tab of `user`.
 */
export function createNodeClient(baseUrl: string, user: TestUser, options: Record<string, number> = {}) {
  const pinia = createPinia()
  const connection = useConnectionStore(pinia)
  const chat = useChatStore(pinia)
  const conversations = useConversationsStore(pinia)
  const groups = useGroupsStore(pinia)
  const headers = { cookie: user.cookie, origin: baseUrl }
  /** A JSON request; a refusal throws what $fetch throws in a browser (`statusCode`, `data`). */
  const request = async <T>(path: string, method = 'GET', body?: unknown): Promise<T> => {
    const res = await fetch(new URL(path, baseUrl), {
      method, body: body === undefined ? undefined : JSON.stringify(body),
      headers: { ...headers, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    })
    if (!res.ok) throw Object.assign(new Error(`${method} ${path}: ${res.status}`), { statusCode: res.status, data: await res.json().catch(() => undefined) })
    return res.json() as Promise<T>
  }
  const get = <T>(path: string) => request<T>(path)
  const query = (params: Record<string, string | number | null>) => new URLSearchParams(
    Object.entries(params).flatMap(([k, v]) => (v === null ? [] : [[k, String(v)]]))).toString()
  const group = (conv: string) => `/api/groups/${encodeURIComponent(conv)}`
  const storage = new Map<string, string>()
  /** Close code of every socket this client had, in order (1006 when one just vanished). */
  const closeCodes: number[] = []
  /** When each socket was opened (ms): a reconnect attempt is one more. */
  const opens: number[] = []
  connection.configure({
    url: () => `${baseUrl.replace(/^http/, 'ws')}/_ws`,
    createSocket: (url, protocols) => {
      opens.push(Date.now())
      const ws = new WebSocket(url, protocols, { headers })
      ws.addEventListener('close', ev => closeCodes.push(ev.code))
      // A browser socket never throws, but Node's `ws` throws an 'error' event that has no
      // listener — and the store detaches its handlers before closing a socket it abandons (a
      // connect timeout closes one still connecting, which emits exactly such an error).
      ws.on('error', () => {})
      return ws as unknown as SocketLike
    },
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: id => clearTimeout(id as ReturnType<typeof setTimeout>),
    now: () => Date.now(),
    random: () => Math.random(),
    isOnline: () => true,
    checkSession: async (userId) => {
      try {
        const res = await fetch(new URL('/api/auth/session', baseUrl), { headers })
        if (res.ok) return userId === undefined || (await res.json() as { user?: { id?: number } }).user?.id === userId ? 'valid' : 'invalid'
        if (res.status !== 401) return 'unknown'
        const body = await res.json().catch(() => null) as { data?: { code?: string } } | null
        return body?.data?.code === 'account_disabled' ? 'disabled' : 'invalid'
      }
      catch {
        return 'unknown'
      }
    },
    onBrowserEvent: () => () => {},
  }, options)
  chat.configure({
    api: {
      conversations: async () => (await get<{ conversations: ConversationSummary[] }>('/api/conversations')).conversations,
      history: async (peer, before, limit) => (await get<{ messages: ChatMessage[] }>(
        `/api/conversations/${peer}/messages?${query({ limit, before })}`)).messages,
      searchUsers: (q, after, limit) => get(`/api/users/search?${query({ q, after, limit })}`),
      groups: async () => (await get<{ groups: GroupSummary[] }>('/api/groups')).groups,
      groupHistory: async (conv, before, limit) => (await get<{ messages: GroupMessage[] }>(`${group(conv)}/messages?${query({ limit, before })}`)).messages,
      members: async conv => (await get<{ members: GroupMember[] }>(`${group(conv)}/members`)).members,
      createGroup: async (name, members) => (await request<{ group: GroupSummary }>('/api/groups', 'POST', { name, members })).group,
      renameGroup: async (conv, name) => (await request<{ group: GroupSummary }>(group(conv), 'PATCH', { name })).group,
      addMembers: async (conv, users) => (await request<{ added: PublicUser[] }>(`${group(conv)}/members`, 'POST', { users })).added,
      removeMember: async (conv, user) => void await request(`${group(conv)}/members/${user}`, 'DELETE'),
      setRole: async (conv, user, role) => void await request(`${group(conv)}/members/${user}`, 'PATCH', { role }),
    },
    storage: { getItem: k => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v), removeItem: k => void storage.delete(k) },
    isVisible: () => true,
    newCid: () => randomUUID(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: id => clearTimeout(id as ReturnType<typeof setTimeout>),
    now: () => Date.now(),
  })
  chat.setMe({ id: user.id, username: user.username })
  const typing = useTypingStore(pinia)
  typing.configure({
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: id => clearTimeout(id as ReturnType<typeof setTimeout>),
    now: () => Date.now(),
    isVisible: () => true,
    onVisibilityChange: () => () => {},
  }, () => chat.selectedGroupId ?? chat.selectedId)
  let acks = 0
  connection.onFrame(f => void (f.type === 'ack' && acks++))
  return {
    connection,
    chat,
    conversations,
    groups,
    typing,
    closeCodes,
    opens,
    get acks() {
      return acks
    },
    stop() {
      connection.cleanup()
      pinia._s.forEach(store => store.$dispose())
    },
  }
}

/** Polls `check` every 50 ms until it holds or `timeoutMs` passes; then throws with `describe()`. */
export async function waitFor(check: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${describe()}`)
    await new Promise(r => setTimeout(r, 50))
  }
}
