import { getRouterParam } from 'h3'
import type { H3Event } from 'h3'
import { GROUP_ID_PATTERN } from '#shared/protocol'
import { refused } from './groupErrors'
import { badRequest } from './body'

/** The group named in the path; one that cannot exist is "not a member", like one that does not. */
export function groupParam(event: H3Event): string {
  const conv = getRouterParam(event, 'id') ?? ''
  if (!GROUP_ID_PATTERN.test(conv)) throw refused('not_member')
  return conv
}

/** The user named in the path. */
export function userParam(event: H3Event): number {
  const user = Number(getRouterParam(event, 'user'))
  if (!Number.isSafeInteger(user) || user <= 0) throw badRequest('The user must be a positive integer user id.')
  return user
}
