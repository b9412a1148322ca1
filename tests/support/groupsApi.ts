import type { GroupSummary, PublicUser } from '#shared/protocol'
import type { TestUser } from './accounts'

/** The group endpoints as a test calls them: each returns the status and the JSON body. */
export function groupsApi(baseUrl: string | (() => string)) {
  const call = async <T = Record<string, unknown>>(user: TestUser, method: string, path: string, body?: unknown) => {
    const base = typeof baseUrl === 'string' ? baseUrl : baseUrl()
    const res = await fetch(`${base.replace(/\/$/, '')}${path}`, {
      method,
      headers: { cookie: user.cookie, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: res.status, body: await res.json().catch(() => ({})) as T & { data?: { code?: string } } }
  }
  return {
    call,
    async create(owner: TestUser, members: TestUser[], name = 'Team'): Promise<GroupSummary> {
      const res = await call<{ group: GroupSummary }>(owner, 'POST', '/api/groups', { name, members: members.map(m => m.id) })
      if (res.status !== 201) throw new Error(`create group: ${res.status} ${JSON.stringify(res.body)}`)
      return res.body.group
    },
    add: (actor: TestUser, conv: string, users: TestUser[]) => call<{ added: PublicUser[] }>(actor, 'POST', `/api/groups/${conv}/members`, { users: users.map(u => u.id) }),
    remove: (actor: TestUser, conv: string, user: TestUser) => call(actor, 'DELETE', `/api/groups/${conv}/members/${user.id}`),
    history: (user: TestUser, conv: string) => call<{ messages: Array<{ seq: number, text: string, system?: { event: string } }> }>(user, 'GET', `/api/groups/${conv}/messages`),
    members: (user: TestUser, conv: string) => call<{ members: Array<{ id: number, read: number, online: boolean }> }>(user, 'GET', `/api/groups/${conv}/members`),
  }
}

/**
 * Puts these people in a group together, so they see each other's presence (presence goes only to
 * people who share a conversation). The first one owns it.
 */
export async function introduce(baseUrl: string, people: TestUser[]): Promise<string> {
  return (await groupsApi(baseUrl).create(people[0]!, people.slice(1), 'Acquainted')).conv
}
