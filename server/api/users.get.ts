import { requireIdentity } from '../auth/sessions'
import { USERS_PAGE_MAX, listUsers } from '../auth/users'
import { presence } from '../cluster/presence'
import { badRequest } from '../http/body'

/**
 * Everyone one can write to, with who is online now (on any instance), one page at a time in
 * username order: `?after=<next of the previous page>&limit=` (up to 1,000, the default). `next` is
 * null on the last page.
 */
export default defineEventHandler(async (event) => {
  await requireIdentity(event)
  const query = getQuery(event)
  const limit = query.limit === undefined ? USERS_PAGE_MAX : Number(query.limit)
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > USERS_PAGE_MAX) throw badRequest(`limit must be between 1 and ${USERS_PAGE_MAX}.`)
  if (query.after !== undefined && typeof query.after !== 'string') throw badRequest('after must be a string.')
  const { users, next } = await listUsers(query.after ?? null, limit)
  return { users: users.map(u => ({ ...u, online: presence.isOnline(u.id) })), next }
})
