import { LoginBody } from '#shared/accounts'
import { replaceSession } from '../../auth/sessions'
import { verifyCredentials } from '../../auth/users'
import { readValidBody } from '../../http/body'
import { throttleSignIn } from '../../http/signIn'
import { closeSessions } from '../../socket/sessions'

/** Signs in. 400: missing or over-long field; 401: wrong username or password (never says which). */
export default defineEventHandler(async (event) => {
  const { username, password } = await readValidBody(event, LoginBody)
  throttleSignIn(event, username)
  const user = await verifyCredentials(username, password)
  if (!user) {
    const message = 'Wrong username or password.'
    throw createError({ statusCode: 401, statusMessage: 'Unauthorized', message, data: { code: 'wrong_credentials', message } })
  }
  closeSessions(await replaceSession(event, user.id))
  return { user }
})
