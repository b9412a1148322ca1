import { requireIdentity } from '../../../../auth/sessions'
import { changeGroup } from '../../../../chat/groupService'
import { groupError, refused } from '../../../../http/groupErrors'
import { groupParam, userParam } from '../../../../http/groupParams'
import { useLimiters } from '../../../../http/limits'

/** Removes a member (owners and admins), or, naming oneself, leaves the group. */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const conv = groupParam(event)
  const target = userParam(event)
  if (!useLimiters().groupChanges.take(String(user.id), Date.now())) throw groupError('rate_limited', 'Too many group changes; wait a minute.')
  const result = await changeGroup({ op: 'remove', conv, actor: user.id, user: target })
  if (!result.ok) throw refused(result.code)
  return { ok: true }
})
