import * as v from 'valibot'
import { LogoutBody } from '#shared/accounts'
import { endSession } from '../../auth/sessions'
import { closeSessions } from '../../socket/sessions'

/**
 * Signs out: ends this session (or every session of the user with `{ "everywhere": true }`) and
 * closes the sockets those sessions opened with close code 4001. The body is optional: signing out
 * must work whatever the client sends.
 */
export default defineEventHandler(async (event) => {
  const body = await readBody(event).catch(() => null)
  const everywhere = v.is(LogoutBody, body) ? v.parse(LogoutBody, body).everywhere : false
  const ended = await endSession(event, everywhere)
  const closedSockets = closeSessions(ended)
  return { ok: true, closedSockets }
})
