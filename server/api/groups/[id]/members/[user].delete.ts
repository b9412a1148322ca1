import { requireIdentity } from '../../../../auth/sessions'
import { changeGroup } from '../../../../chat/groupService'
import { refused } from '../../../../http/groupErrors'
import { groupParam, userParam } from '../../../../http/groupParams'
import { allowGroupChange } from '../../../../http/groupLimits'

/** Removes a member (owners and admins), or, naming oneself, leaves the group. */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const conv = groupParam(event)
  const target = userParam(event)
  allowGroupChange(user.id)
  const result = await changeGroup({ op: 'remove', conv, actor: user.id, user: target })
  if (!result.ok) throw refused(result.code)
  return { ok: true }
})
