import * as v from 'valibot'
import { requireIdentity } from '../../../../auth/sessions'
import { changeGroup } from '../../../../chat/groupService'
import { readValidBody } from '../../../../http/body'
import { groupError, refused } from '../../../../http/groupErrors'
import { groupParam, userParam } from '../../../../http/groupParams'
import { useLimiters } from '../../../../http/limits'

/** Makes a member an admin or a member again (the owner only). */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const conv = groupParam(event)
  const target = userParam(event)
  if (!useLimiters().groupChanges.take(String(user.id), Date.now())) throw groupError('rate_limited', 'Too many group changes; wait a minute.')
  const { role } = await readValidBody(event, v.object({ role: v.picklist(['admin', 'member'], 'role must be "admin" or "member"') }))
  const result = await changeGroup({ op: 'role', conv, actor: user.id, user: target, role })
  if (!result.ok) throw refused(result.code)
  return { ok: true }
})
