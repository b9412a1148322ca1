import { RegisterBody } from '#shared/accounts'
import { replaceSession } from '../../auth/sessions'
import { UsernameTakenError, createUser } from '../../auth/users'
import { accountError, readAccountBody } from '../../http/accountErrors'
import { throttleSignIn } from '../../http/signIn'
import { closeSessions } from '../../socket/sessions'

/**
 * Creates an account and signs it in; the name is stored in its NFKC form. 400: invalid field;
 * 409 username_taken: an account has the same name up to width, case or composition.
 */
export default defineEventHandler(async (event) => {
  const { username, password } = await readAccountBody(event, RegisterBody)
  throttleSignIn(event, username)
  try {
    const user = await createUser(username, password)
    closeSessions(await replaceSession(event, user.id))
    setResponseStatus(event, 201)
    return { user }
  }
  catch (error) {
    if (error instanceof UsernameTakenError) {
      throw accountError('username_taken', error.message, 'username')
    }
    throw error
  }
})
