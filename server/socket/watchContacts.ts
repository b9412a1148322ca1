import { useCluster } from '../cluster/cluster'
import { log } from '../infra/log'
import { pool } from '../utils/pool'
import { audienceOf, onAudiencesForgotten } from './presenceAudience'

/** Numbers each contact read; per user, the number of their latest read still in flight. */
let reads = 0
const latest = new Map<number, number>()

/**
 * In a cluster, each user with a socket here watches their contacts' presence (cluster/watching.ts):
 * the people who see them are the people they see (presenceAudience.ts is symmetric). Read when
 * their first socket here opens, and again when their contacts may have changed.
 */
export function watchContacts(userId: number): void {
  const cluster = useCluster()
  if (!cluster.shared) return
  // Two reads for one user may be in flight (their arrival, then their contacts changed): only
  // the latest applies, whichever answers last.
  const mine = ++reads
  latest.set(userId, mine)
  const done = () => {
    if (latest.get(userId) !== mine) return false
    latest.delete(userId)
    return true
  }
  const apply = (people: Set<number>) => {
    // (Their last socket may have left while the contacts were read.)
    if (done() && pool.connectionsOf(userId).size > 0) cluster.watch(userId, [...people])
  }
  const people = audienceOf(userId)
  if (people instanceof Set) return apply(people)
  people.then(apply, (err: unknown) => {
    done()
    log.error('presence audiences unreadable', { err })
  })
}

// A conversation started or a group's members changed: the local users among them watch again,
// once per turn (a membership line comes once per member held here, each naming the whole group).
const due = new Set<number>()
let everyone = false
let scheduled = false
onAudiencesForgotten((userIds) => {
  if (!useCluster().shared) return
  if (userIds) for (const id of userIds) due.add(id)
  else everyone = true
  if (scheduled) return
  scheduled = true
  setImmediate(() => {
    scheduled = false
    const ids = everyone ? pool.onlineUsers().map(u => u.id) : [...due]
    due.clear()
    everyone = false
    for (const id of ids) if (pool.connectionsOf(id).size > 0) watchContacts(id)
  })
})
