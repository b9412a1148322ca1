import { RegisterBody } from '#shared/accounts'
import { replaceSession, signInFirst } from '../../auth/sessions'
import { UsernameTakenError, createAccount } from '../../auth/users'
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
    const { user, passwordHash } = await createAccount(username, password)
    const { ended, started } = await replaceSession(event, user.id, passwordHash)
    closeSessions(ended)
    // The operator disabled or reset the new account already: it exists, but this is no sign-in.
    if (!started) throw signInFirst()
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
