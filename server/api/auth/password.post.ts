import { PasswordChangeBody } from '#shared/accounts'
import { endSession, requireIdentity, startSession } from '../../auth/sessions'
import { setPassword, verifyCredentials } from '../../auth/users'
import { readValidBody } from '../../http/body'
import { throttleSignIn } from '../../http/signIn'
import { closeSessions } from '../../socket/sessions'

/**
 * Changes the password: `{ currentPassword, newPassword }`. Every session of the user ends and their
 * sockets everywhere close with 4001; this browser gets a fresh session. 401: wrong current password.
 */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const { currentPassword, newPassword } = await readValidBody(event, PasswordChangeBody)
  throttleSignIn(event, user.username)
  if (!await verifyCredentials(user.username, currentPassword)) {
    const message = 'The current password is wrong.'
    throw createError({ statusCode: 401, statusMessage: 'Unauthorized', message, data: { code: 'wrong_password', message, field: 'currentPassword' } })
  }
  await setPassword(user.id, newPassword)
  const ended = await endSession(event, true)
  const closedSockets = closeSessions(ended?.sessionHashes ?? [])
  await startSession(event, user.id)
  return { ok: true, closedSockets }
})
