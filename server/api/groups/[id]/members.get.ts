import { requireIdentity } from '../../../auth/sessions'
import { membersOf, membershipOf } from '../../../chat/storage/groupReads'
import { refused } from '../../../http/groupErrors'
import { groupParam } from '../../../http/groupParams'
import { onlineAmong } from '../../../socket/online'

/** The group's members with their role, receipts and whether they are online (members only). */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const conv = groupParam(event)
  const own = await membershipOf(user.id, conv)
  if (!own || own.leftSeq !== null) throw refused('not_member')
  const members = await membersOf(conv)
  const online = await onlineAmong(members.map(m => m.id))
  return { members: members.map(m => ({ ...m, online: online.has(m.id) })) }
})
