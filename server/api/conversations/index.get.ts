import { requireIdentity } from '../../auth/sessions'
import { listConversations } from '../../chat/storage/reads'
import { presence } from '../../cluster/presence'

/**
 * The signed-in user's conversations: receipt state, unread count and newest message of each, with
 * who the other person is and whether they are online (on any instance).
 */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const conversations = await listConversations(user.id)
  return { conversations: conversations.map(c => ({ ...c, peerOnline: presence.isOnline(c.peer) })) }
})
