import type { ChatMessage, ConversationSummary, GroupMember, GroupMessage, GroupSummary, PublicUser } from '#shared/protocol'
import type { ChatEnv } from '../../stores/chat'
import type { SearchPage } from '../../stores/peopleSearch'

const group = (conv: string) => `/api/groups/${encodeURIComponent(conv)}`

/** Errors as JSON (`data: { code }`), never an HTML error page (docs/protocol.md §10). */
const api = <T>(url: string, options: Parameters<typeof $fetch>[1] = {}) =>
  $fetch<T>(url, { ...options, headers: { accept: 'application/json' } })

/** The real browser behind the chat stores: the HTTP API, localStorage, visibility, ids and timers. */
export function browserChatEnv(): ChatEnv {
  return {
    api: {
      conversations: async () => (await $fetch<{ conversations: ConversationSummary[] }>('/api/conversations')).conversations,
      history: async (peer, before, limit) => (await $fetch<{ messages: ChatMessage[] }>(`/api/conversations/${peer}/messages`, {
        query: before === null ? { limit } : { before, limit },
      })).messages,
      searchUsers: (q, after, limit) => api<SearchPage>('/api/users/search', { query: after === null ? { q, limit } : { q, after, limit } }),

      groups: async () => (await api<{ groups: GroupSummary[] }>('/api/groups')).groups,
      groupHistory: async (conv, before, limit) => (await api<{ messages: GroupMessage[] }>(`${group(conv)}/messages`, {
        query: before === null ? { limit } : { before, limit },
      })).messages,
      members: async conv => (await api<{ members: GroupMember[] }>(`${group(conv)}/members`)).members,
      createGroup: async (name, members) => (await api<{ group: GroupSummary }>('/api/groups', { method: 'POST', body: { name, members } })).group,
      renameGroup: async (conv, name) => (await api<{ group: GroupSummary }>(group(conv), { method: 'PATCH', body: { name } })).group,
      addMembers: async (conv, users) => (await api<{ added: PublicUser[] }>(`${group(conv)}/members`, { method: 'POST', body: { users } })).added,
      removeMember: async (conv, user) => void await api(`${group(conv)}/members/${user}`, { method: 'DELETE' }),
      setRole: async (conv, user, role) => void await api(`${group(conv)}/members/${user}`, { method: 'PATCH', body: { role } }),
    },
    storage: window.localStorage,
    isVisible: () => document.visibilityState === 'visible',
    newCid: () => crypto.randomUUID(),
    setTimeout: (fn, ms) => window.setTimeout(fn, ms),
    clearTimeout: id => window.clearTimeout(id as number),
    now: () => Date.now(),
  }
}
