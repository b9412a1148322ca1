import { USERNAME_MAX, normalizeUsername, usernameTooLong } from '#shared/usernames'
import { requireIdentity } from '../../auth/sessions'
import { SEARCH_PAGE_MAX, searchUsers } from '../../auth/users'
import { badRequest } from '../../http/body'
import { groupError } from '../../http/groupErrors'
import { useLimiters } from '../../http/limits'

/**
 * People whose username starts with `q` (compared by key: width, case and composition do not
 * matter), paged (`after` is the `next` of the page before, `limit` up to 50): how one finds someone
 * to write to. Rate limited per person, so the accounts cannot be listed by sweeping prefixes.
 */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const query = getQuery(event)
  const q = typeof query.q === 'string' ? query.q.trim() : ''
  if (q.length < 1 || usernameTooLong(normalizeUsername(q))) throw badRequest(`q must be 1–${USERNAME_MAX} characters.`, 'q')
  const limit = query.limit === undefined ? 20 : Number(query.limit)
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > SEARCH_PAGE_MAX) throw badRequest(`limit must be between 1 and ${SEARCH_PAGE_MAX}.`)
  if (query.after !== undefined && typeof query.after !== 'string') throw badRequest('after must be a string.')
  if (!useLimiters().searches.take(String(user.id), Date.now())) throw groupError('rate_limited', 'Too many searches; wait a minute.')
  return await searchUsers(q, user.id, query.after ?? null, limit)
})
