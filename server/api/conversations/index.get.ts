import { requireIdentity } from '../../auth/sessions'
import { listConversations } from '../../chat/storage/reads'

/** The signed-in user's conversations: receipt state, unread count and newest message of each. */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  return { conversations: await listConversations(user.id) }
})
