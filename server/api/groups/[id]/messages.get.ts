import { HISTORY_PAGE_MAX } from '#shared/protocol'
import { requireIdentity } from '../../../auth/sessions'
import { groupHistory, lineFor, membershipOf } from '../../../chat/storage/groupReads'
import { badRequest } from '../../../http/body'
import { refused } from '../../../http/groupErrors'
import { groupParam } from '../../../http/groupParams'

/** One page of a group's lines, oldest first: only those after the reader joined (members only). */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const conv = groupParam(event)
  const query = getQuery(event)
  const before = query.before === undefined ? null : Number(query.before)
  if (before !== null && (!Number.isSafeInteger(before) || before <= 0)) throw badRequest('before must be a positive integer seq.')
  const limit = query.limit === undefined ? 50 : Number(query.limit)
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > HISTORY_PAGE_MAX) throw badRequest(`limit must be between 1 and ${HISTORY_PAGE_MAX}.`)
  const own = await membershipOf(user.id, conv)
  if (!own || own.leftSeq !== null) throw refused('not_member')
  return { messages: (await groupHistory(user.id, conv, before, limit)).map(line => lineFor(line, user.id)) }
})
