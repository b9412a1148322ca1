import * as v from 'valibot'
import { GroupNameSchema } from '#shared/protocol'
import { requireIdentity } from '../../../auth/sessions'
import { changeGroup } from '../../../chat/groupService'
import { groupsOf } from '../../../chat/storage/groupReads'
import { readValidBody } from '../../../http/body'
import { refused } from '../../../http/groupErrors'
import { groupParam } from '../../../http/groupParams'
import { allowGroupChange } from '../../../http/groupLimits'

/** Renames a group (owners and admins). */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const conv = groupParam(event)
  allowGroupChange(user.id)
  const { name } = await readValidBody(event, v.object({ name: GroupNameSchema }))
  const result = await changeGroup({ op: 'rename', conv, actor: user.id, name })
  if (!result.ok) throw refused(result.code)
  return { group: (await groupsOf(user.id, conv))[0] }
})
