import { endedByDisable, getIdentity, signInFirst } from '../../auth/sessions'

/**
 * The signed-in user, or 401. Also what a client asks after a refused socket to learn why: the
 * 401 says `account_disabled` in `data.code` when the operator disabled the account.
 */
export default defineEventHandler(async (event) => {
  const identity = await getIdentity(event)
  if (!identity) throw signInFirst(await endedByDisable(event) ? 'account_disabled' : undefined)
  return { user: identity.user }
})
