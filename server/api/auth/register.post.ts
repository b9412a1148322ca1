/** Creates an account and signs it in. 400: invalid field; 409: username taken. */
export default defineEventHandler(async (event) => {
  const { username, password } = requireCredentials(await readJsonObject(event))
  throttleSignIn(event, username)
  try {
    const user = await createUser(username, password)
    closeSessions(await replaceSession(event, user.id))
    setResponseStatus(event, 201)
    return { user }
  }
  catch (error) {
    if (error instanceof UsernameTakenError) {
      throw createError({ statusCode: 409, statusMessage: 'Conflict', message: error.message, data: { message: error.message, field: 'username' } })
    }
    throw error
  }
})
