import { HISTORY_PAGE_MAX } from '#shared/protocol'
import { requireIdentity } from '../../../auth/sessions'
import { historyPage } from '../../../chat/storage/reads'
import { badRequest } from '../../../http/body'

/**
 * One page of the conversation with `peer`, oldest first: the newest messages, or those before
 * `?before=<seq>`. `?limit=` up to 100 (default 50). Only one's own conversations are readable.
 */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const peer = Number(getRouterParam(event, 'peer'))
  if (!Number.isSafeInteger(peer) || peer <= 0) throw badRequest('The peer must be a positive integer user id.')
  const query = getQuery(event)
  const before = query.before === undefined ? null : Number(query.before)
  if (before !== null && (!Number.isSafeInteger(before) || before <= 0)) throw badRequest('before must be a positive integer seq.')
  const limit = query.limit === undefined ? 50 : Number(query.limit)
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > HISTORY_PAGE_MAX) throw badRequest(`limit must be between 1 and ${HISTORY_PAGE_MAX}.`)
  return { messages: await historyPage(user.id, peer, before, limit) }
})
