import { requireIdentity } from '../../auth/sessions'

/** The signed-in user, or 401. Also what a client asks after a refused socket to learn why. */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  return { user }
})
