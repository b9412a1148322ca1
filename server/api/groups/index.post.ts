import * as v from 'valibot'
import { GroupNameSchema } from '#shared/protocol'
import { id } from '#shared/schema'
import { requireIdentity } from '../../auth/sessions'
import { changeGroup, groupLimits } from '../../chat/groupService'
import { groupsOf } from '../../chat/storage/groupReads'
import { newGroupId } from '../../chat/storage/groups'
import { readValidBody } from '../../http/body'
import { refused } from '../../http/groupErrors'
import { allowGroupChange } from '../../http/groupLimits'

const CreateSchema = v.object({
  name: GroupNameSchema,
  members: v.pipe(v.array(id('members must be a list of user ids'), 'members must be a list of user ids'), v.maxLength(100_000, 'members is too long')),
})

/** Creates a group: the caller owns it, `members` are in it. */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const body = await readValidBody(event, CreateSchema)
  allowGroupChange(user.id, new Set(body.members).size)
  const conv = newGroupId()
  const result = await changeGroup({ op: 'create', conv, actor: user.id, name: body.name, users: body.members, limits: groupLimits() })
  if (!result.ok) throw refused(result.code)
  setResponseStatus(event, 201)
  return { group: (await groupsOf(user.id, conv))[0] }
})
