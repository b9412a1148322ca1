import { LoginBody } from '#shared/accounts'
import { replaceSession } from '../../auth/sessions'
import { AccountDisabledError, checkCredentials, isDisabled } from '../../auth/users'
import { accountError, readAccountBody } from '../../http/accountErrors'
import { throttleSignIn } from '../../http/signIn'
import { closeSessions } from '../../socket/sessions'

const disabled = () => accountError('account_disabled', 'This account is disabled.')
const wrong = () => accountError('wrong_credentials', 'Wrong username or password.')

/**
 * Signs in. 400: missing or over-long field; 401: wrong username or password (never says which);
 * 403 `account_disabled`: right credentials of an account the operator disabled. The session starts
 * only if, after the password check, the operator has not reset the password or disabled the
 * account meanwhile (sessionRows.ts): else the same refusals.
 */
export default defineEventHandler(async (event) => {
  const { username, password } = await readAccountBody(event, LoginBody)
  throttleSignIn(event, username)
  const checked = await checkCredentials(username, password).catch((error: unknown) => {
    if (error instanceof AccountDisabledError) throw disabled()
    throw error
  })
  if (!checked) throw wrong()
  const { ended, started } = await replaceSession(event, checked.user.id, checked.passwordHash)
  closeSessions(ended)
  if (!started) throw await isDisabled(checked.user.id) ? disabled() : wrong()
  return { user: checked.user }
})
