import { requireIdentity } from '../../auth/sessions'
import { listConversations } from '../../chat/storage/reads'
import { onlineAmong } from '../../socket/online'

/**
 * The signed-in user's conversations: receipt state, unread count and newest message of each, with
 * who the other person is and whether they are online (on any instance).
 */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const conversations = await listConversations(user.id)
  const online = await onlineAmong(conversations.map(c => c.peer))
  return { conversations: conversations.map(c => ({ ...c, peerOnline: online.has(c.peer) })) }
})
