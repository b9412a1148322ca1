import { PasswordChangeBody } from '#shared/accounts'
import { endSession, requireIdentity, startSession } from '../../auth/sessions'
import { passwordMatches, setPassword } from '../../auth/users'
import { accountError, readAccountBody } from '../../http/accountErrors'
import { throttleSignIn } from '../../http/signIn'
import { closeSessions } from '../../socket/sessions'

/**
 * Changes the password: `{ currentPassword, newPassword }`. Every session of the user ends and their
 * sockets everywhere close with 4001; this browser gets a fresh session. 401: wrong current password.
 */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const { currentPassword, newPassword } = await readAccountBody(event, PasswordChangeBody)
  throttleSignIn(event, user.username)
  if (!await passwordMatches(user.id, currentPassword)) {
    throw accountError('wrong_password', 'The current password is wrong.', 'currentPassword')
  }
  await setPassword(user.id, newPassword)
  const ended = await endSession(event, true)
  const closedSockets = closeSessions(ended?.sessionHashes ?? [])
  await startSession(event, user.id)
  return { ok: true, closedSockets }
})
