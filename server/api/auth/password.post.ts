/**
 * Changes the password: `{ currentPassword, newPassword }`. Every session of the user ends and their
 * sockets everywhere close with 4001; this browser gets a fresh session. 401: wrong current password.
 */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const body = await readJsonObject(event)
  const problem = passwordProblem(body.newPassword)
  if (problem) throw badRequest(problem.replace('Password', 'The new password'), 'newPassword')
  if (typeof body.currentPassword !== 'string' || body.currentPassword.length === 0) throw badRequest('The current password is required.', 'currentPassword')
  throttleSignIn(event, user.username)
  if (!await verifyCredentials(user.username, body.currentPassword)) {
    const message = 'The current password is wrong.'
    throw createError({ statusCode: 401, statusMessage: 'Unauthorized', message, data: { message, field: 'currentPassword' } })
  }
  await setPassword(user.id, body.newPassword as string)
  const ended = await endSession(event, true)
  const closedSockets = closeSessions(ended?.sessionHashes ?? [])
  await startSession(event, user.id)
  return { ok: true, closedSockets }
})
