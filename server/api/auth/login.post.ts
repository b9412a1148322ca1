import { LoginBody } from '#shared/accounts'
import { replaceSession } from '../../auth/sessions'
import { AccountDisabledError, verifyCredentials } from '../../auth/users'
import { accountError, readAccountBody } from '../../http/accountErrors'
import { throttleSignIn } from '../../http/signIn'
import { closeSessions } from '../../socket/sessions'

/**
 * Signs in. 400: missing or over-long field; 401: wrong username or password (never says which);
 * 403 `account_disabled`: right credentials of an account the operator disabled.
 */
export default defineEventHandler(async (event) => {
  const { username, password } = await readAccountBody(event, LoginBody)
  throttleSignIn(event, username)
  const user = await verifyCredentials(username, password).catch((error: unknown) => {
    if (error instanceof AccountDisabledError) throw accountError('account_disabled', 'This account is disabled.')
    throw error
  })
  if (!user) {
    throw accountError('wrong_credentials', 'Wrong username or password.')
  }
  closeSessions(await replaceSession(event, user.id))
  return { user }
})
