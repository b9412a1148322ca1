import { LoginBody } from '#shared/accounts'
import { replaceSession } from '../../auth/sessions'
import { verifyCredentials } from '../../auth/users'
import { accountError, readAccountBody } from '../../http/accountErrors'
import { throttleSignIn } from '../../http/signIn'
import { closeSessions } from '../../socket/sessions'

/** Signs in. 400: missing or over-long field; 401: wrong username or password (never says which). */
export default defineEventHandler(async (event) => {
  const { username, password } = await readAccountBody(event, LoginBody)
  throttleSignIn(event, username)
  const user = await verifyCredentials(username, password)
  if (!user) {
    throw accountError('wrong_credentials', 'Wrong username or password.')
  }
  closeSessions(await replaceSession(event, user.id))
  return { user }
})
