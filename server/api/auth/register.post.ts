import { RegisterBody } from '#shared/accounts'
import { replaceSession } from '../../auth/sessions'
import { UsernameTakenError, createUser } from '../../auth/users'
import { readValidBody } from '../../http/body'
import { throttleSignIn } from '../../http/signIn'
import { closeSessions } from '../../socket/sessions'

/** Creates an account and signs it in. 400: invalid field; 409: username taken. */
export default defineEventHandler(async (event) => {
  const { username, password } = await readValidBody(event, RegisterBody)
  throttleSignIn(event, username)
  try {
    const user = await createUser(username, password)
    closeSessions(await replaceSession(event, user.id))
    setResponseStatus(event, 201)
    return { user }
  }
  catch (error) {
    if (error instanceof UsernameTakenError) {
      throw createError({ statusCode: 409, statusMessage: 'Conflict', message: error.message, data: { code: 'username_taken', message: error.message, field: 'username' } })
    }
    throw error
  }
})
