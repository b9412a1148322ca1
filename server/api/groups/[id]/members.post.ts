import * as v from 'valibot'
import { id } from '#shared/schema'
import { requireIdentity } from '../../../auth/sessions'
import { changeGroup, groupLimits } from '../../../chat/groupService'
import { readValidBody } from '../../../http/body'
import { refused } from '../../../http/groupErrors'
import { groupParam } from '../../../http/groupParams'
import { allowGroupChange } from '../../../http/groupLimits'

const AddSchema = v.object({
  users: v.pipe(v.array(id('users must be a list of user ids'), 'users must be a list of user ids'), v.minLength(1, 'users must name someone'), v.maxLength(100_000, 'users is too long')),
})

/** Adds people to a group (owners and admins); people already in it are skipped. */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const conv = groupParam(event)
  const { users } = await readValidBody(event, AddSchema)
  allowGroupChange(user.id, new Set(users).size)
  const result = await changeGroup({ op: 'add', conv, actor: user.id, users, limits: groupLimits() })
  if (!result.ok) throw refused(result.code)
  return { added: result.added }
})
