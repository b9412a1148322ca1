import { requireIdentity } from '../../../auth/sessions'
import { membersOf, membershipOf } from '../../../chat/storage/groupReads'
import { presence } from '../../../cluster/presence'
import { refused } from '../../../http/groupErrors'
import { groupParam } from '../../../http/groupParams'

/** The group's members with their role, receipts and whether they are online (members only). */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const conv = groupParam(event)
  const own = await membershipOf(user.id, conv)
  if (!own || own.leftSeq !== null) throw refused('not_member')
  return { members: (await membersOf(conv)).map(m => ({ ...m, online: presence.isOnline(m.id) })) }
})
