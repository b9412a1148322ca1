import { PROTOCOL_NAME, TICKET_PROTOCOL_PREFIX } from '#shared/protocol'
import { requireIdentity } from '../../auth/sessions'
import { issueTicket } from '../../auth/tickets'

/**
 * A short-lived, single-use ticket for a non-browser client to open the socket with. Offer the
 * returned `protocols` in that order: the ticket is never first (the first is echoed back).
 */
export default defineEventHandler(async (event) => {
  const identity = await requireIdentity(event)
  const { ticket, expiresAt } = await issueTicket(identity)
  return { ticket, expiresAt, protocols: [PROTOCOL_NAME, `${TICKET_PROTOCOL_PREFIX}${ticket}`] }
})
