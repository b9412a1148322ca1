import { useCluster } from '../cluster/cluster'
import { log } from '../infra/log'
import { pool } from '../utils/pool'
import { audienceOf, onAudiencesForgotten } from './presenceAudience'
import { RewatchQueue } from './rewatchQueue'

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

// A conversation started or a group's members changed (the users named), or envelopes may have been
// lost (a resync: everyone here): the local users among them watch again. In batches of REWATCH_BATCH,
// the first in the next turn and one more every REWATCH_PAUSE_MS, so no change turns into a burst of
// contact reads on the database: a resync on an instance of 50,000 users used to read all their
// contacts at once; now at most 2,000 a second (25 s for them all), those a change named first.
// Why everyone and not only the users whose groups changed: a resync follows envelopes of any kind
// that may be lost — a `contacts` envelope (a first message between strangers) or a membership line
// of a group no socket here follows — and the catch-up finds no trace of them. Meanwhile the audience
// cache is already empty (any other read is fresh) and each user's old watch stays until replaced.
const REWATCH_BATCH = 200
const REWATCH_PAUSE_MS = 100
const due = new RewatchQueue()
let scheduled = false
const isHere = (id: number) => pool.connectionsOf(id).size > 0

function rewatchSoon(pause: boolean): void {
  if (scheduled) return
  scheduled = true
  const run = () => {
    scheduled = false
    // (Their last socket may have left while they waited.)
    for (const id of due.take(REWATCH_BATCH)) if (isHere(id)) watchContacts(id)
    if (due.size > 0) rewatchSoon(true)
  }
  if (pause) setTimeout(run, REWATCH_PAUSE_MS).unref()
  else setImmediate(run)
}

onAudiencesForgotten((userIds) => {
  if (!useCluster().shared) return
  if (userIds) due.name(userIds.filter(isHere))
  else due.everyone(pool.onlineUsers().map(u => u.id))
  rewatchSoon(false)
})
