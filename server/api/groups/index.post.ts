import * as v from 'valibot'
import { GroupNameSchema } from '#shared/protocol'
import { id } from '#shared/schema'
import { requireIdentity } from '../../auth/sessions'
import { changeGroup, groupLimits } from '../../chat/groupService'
import { groupsOf } from '../../chat/storage/groupReads'
import { newGroupId } from '../../chat/storage/groups'
import { readValidBody } from '../../http/body'
import { groupError, refused } from '../../http/groupErrors'
import { useLimiters } from '../../http/limits'

const CreateSchema = v.object({
  name: GroupNameSchema,
  members: v.pipe(v.array(id('members must be a list of user ids'), 'members must be a list of user ids'), v.maxLength(100_000, 'members is too long')),
})

/** Creates a group: the caller owns it, `members` are in it. */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  if (!useLimiters().groupChanges.take(String(user.id), Date.now())) throw groupError('rate_limited', 'Too many group changes; wait a minute.')
  const body = await readValidBody(event, CreateSchema)
  const conv = newGroupId()
  const result = await changeGroup({ op: 'create', conv, actor: user.id, name: body.name, users: body.members, limits: groupLimits() })
  if (!result.ok) throw refused(result.code)
  setResponseStatus(event, 201)
  return { group: (await groupsOf(user.id, conv))[0] }
})
