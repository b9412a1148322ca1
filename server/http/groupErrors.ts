import { createError } from 'h3'
import type { GroupRefusal } from '../chat/storage/groupModel'

const STATUS: Record<GroupRefusal | 'rate_limited', [number, string]> = {
  not_member: [404, 'Not Found'],
  forbidden: [403, 'Forbidden'],
  unknown_user: [400, 'Bad Request'],
  group_full: [409, 'Conflict'],
  too_many_groups: [409, 'Conflict'],
  rate_limited: [429, 'Too Many Requests'],
}

/** An HTTP error with a code the client words (`data.code`) and a message for developers. */
export function groupError(code: GroupRefusal | 'rate_limited', message: string) {
  const [statusCode, statusMessage] = STATUS[code]
  return createError({ statusCode, statusMessage, message, data: { code, message } })
}

const MESSAGES: Record<GroupRefusal, string> = {
  not_member: 'No such group, or you are not a member of it.',
  forbidden: 'Your role in this group does not allow that.',
  unknown_user: 'One of the people named does not exist.',
  group_full: 'The group would have more members than allowed.',
  too_many_groups: 'Someone would be in more groups than allowed.',
}

/** The error for a refused group change. */
export function refused(code: GroupRefusal) {
  return groupError(code, MESSAGES[code])
}
