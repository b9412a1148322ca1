import * as v from 'valibot'
import { id } from '#shared/schema'
import { requireIdentity } from '../../../auth/sessions'
import { changeGroup, groupLimits } from '../../../chat/groupService'
import { readValidBody } from '../../../http/body'
import { groupError, refused } from '../../../http/groupErrors'
import { groupParam } from '../../../http/groupParams'
import { useLimiters } from '../../../http/limits'

const AddSchema = v.object({
  users: v.pipe(v.array(id('users must be a list of user ids'), 'users must be a list of user ids'), v.minLength(1, 'users must name someone'), v.maxLength(100_000, 'users is too long')),
})

/** Adds people to a group (owners and admins); people already in it are skipped. */
export default defineEventHandler(async (event) => {
  const { user } = await requireIdentity(event)
  const conv = groupParam(event)
  if (!useLimiters().groupChanges.take(String(user.id), Date.now())) throw groupError('rate_limited', 'Too many group changes; wait a minute.')
  const { users } = await readValidBody(event, AddSchema)
  const result = await changeGroup({ op: 'add', conv, actor: user.id, users, limits: groupLimits() })
  if (!result.ok) throw refused(result.code)
  return { added: result.added }
})
