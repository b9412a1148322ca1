import { encodeFrame } from '#shared/protocol'
import type { GroupSummary } from '#shared/protocol'
import { useSettings } from '../infra/settings'
import { deliver } from './deliver'
import { deliverLine, encodeLine } from './groupDeliver'
import type { GroupChange, GroupChangeResult, GroupLimits } from './storage/groupModel'
import { groupsOf } from './storage/groupReads'
import { storeGroupChange } from './storage/groups'

/** The limits a change is checked against now. */
export function groupLimits(): GroupLimits {
  const s = useSettings()
  return { membersMax: s.groupMembersMax, groupsPerUserMax: s.groupsPerUserMax }
}

/**
 * Applies a membership change and tells everyone concerned: the system lines go to the members
 * (on every instance), and the people who joined or left get a `membership` event in their stream,
 * with the group as they see it now.
 */
export async function changeGroup(change: GroupChange): Promise<GroupChangeResult> {
  const result = await storeGroupChange(change)
  if (!result.ok) return result
  for (const line of result.lines) deliverLine(encodeLine(line))
  const events = await Promise.all(result.memberships.map(async (m) => {
    const [group] = await groupsOf(m.userId, result.conv) as [GroupSummary]
    return {
      userId: m.userId,
      pos: m.pos,
      text: encodeFrame({ type: 'membership', pos: m.pos, change: m.change, group }),
      group: { conv: result.conv, change: m.change, joinedSeq: group.joinedSeq },
    }
  }))
  deliver(events)
  return result
}
