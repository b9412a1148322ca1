import * as v from 'valibot'
import { requireIdentity } from '../../../../auth/sessions'
import { changeGroup } from '../../../../chat/groupService'
import { readValidBody } from '../../../../http/body'
import { refused } from '../../../../http/groupErrors'
import { groupParam, userParam } from '../../../../http/groupParams'
import { allowGroupChange } from '../../../../http/groupLimits'

/** Makes a member an admin or a member again (the owner only). */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const conv = groupParam(event)
  const target = userParam(event)
  allowGroupChange(user.id)
  const { role } = await readValidBody(event, v.object({ role: v.picklist(['admin', 'member'], 'role must be "admin" or "member"') }))
  const result = await changeGroup({ op: 'role', conv, actor: user.id, user: target, role })
  if (!result.ok) throw refused(result.code)
  return { ok: true }
})
