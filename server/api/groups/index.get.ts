import { requireIdentity } from '../../auth/sessions'
import { groupsOf } from '../../chat/storage/groupReads'

/** The signed-in user's groups as they see them: role, receipts, unread count, newest line. */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  return { groups: await groupsOf(user.id) }
})
