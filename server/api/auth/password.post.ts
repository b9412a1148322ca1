import { PasswordChangeBody } from '#shared/accounts'
import { endSession, requireIdentity, signInFirst, startSession } from '../../auth/sessions'
import { passwordMatches, setPassword } from '../../auth/users'
import { accountError, readAccountBody } from '../../http/accountErrors'
import { throttleSignIn } from '../../http/signIn'
import { closeSessions } from '../../socket/sessions'

/**
 * Changes the password: `{ currentPassword, newPassword }`. Every session of the user ends and their
 * sockets everywhere close with 4001; this browser gets a fresh session. 401: wrong current password
 * (`wrong_password`), or, with no code, the operator reset the password or disabled the account
 * while this ran (no fresh session then).
 */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const { currentPassword, newPassword } = await readAccountBody(event, PasswordChangeBody)
  throttleSignIn(event, user.username)
  if (!await passwordMatches(user.id, currentPassword)) {
    throw accountError('wrong_password', 'The current password is wrong.', 'currentPassword')
  }
  const passwordHash = await setPassword(user.id, newPassword)
  const ended = await endSession(event, true)
  const closedSockets = closeSessions(ended)
  // Not if the operator reset the password or disabled the account since (sessionRows.ts).
  if (!await startSession(event, user.id, passwordHash)) {
    throw signInFirst()
  }
  return { ok: true, closedSockets }
})
