/** Signs in. 400: missing or over-long field; 401: wrong username or password (never says which). */
export default defineEventHandler(async (event) => {
  const { username, password } = requireLoginFields(await readJsonObject(event))
  throttleSignIn(event, username)
  const user = await verifyCredentials(username, password)
  if (!user) {
    const message = 'Wrong username or password.'
    throw createError({ statusCode: 401, statusMessage: 'Unauthorized', message, data: { message } })
  }
  closeSessions(await replaceSession(event, user.id))
  return { user }
})
