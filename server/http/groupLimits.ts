import { useSettings } from '../infra/settings'
import { groupError, refused } from './groupErrors'
import { useLimiters } from './limits'

/**
 * The checks before a group change touches the database: the person's budget of changes, and of
 * people named (adding ids to a group reveals their usernames, so naming people costs like
 * searching for them), and a list no longer than a group may be (a longer one is refused here,
 * not by the database's limit on query parameters).
 */
export function allowGroupChange(userId: number, named = 0): void {
  const now = Date.now()
  const limiters = useLimiters()
  if (!limiters.groupChanges.take(String(userId), now)) throw groupError('rate_limited', 'Too many group changes; wait a minute.')
  if (named === 0) return
  if (named >= useSettings().groupMembersMax) throw refused('group_full')
  if (!limiters.peopleNamed.take(String(userId), now, named)) throw groupError('rate_limited', 'Too many people named in groups; wait a minute.')
}
