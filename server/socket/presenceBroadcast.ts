import { encodeFrame } from '#shared/protocol'
import type { PublicUser } from '#shared/protocol'
import { pool } from '../utils/pool'
import { log } from '../infra/log'
import { useSettings } from '../infra/settings'
import { audienceOf } from './presenceAudience'

/**
 * Presence changes, coalesced per turn of the event loop: however many people come and go in one
 * turn (a reconnect wave), each person here gets one `presence` frame listing those of them they
 * share a conversation with (presenceAudience.ts), not one frame per change. A user who came and
 * went in the same turn is sent in their last state.
 *
 * The changes of someone seen by NUXT_PRESENCE_COALESCE_AT people or more (a member of a big
 * group) wait up to a second and go out together: in a group of 1,000 where people come and go
 * all the time, each member gets a frame a second listing who changed, not a frame per change.
 * In a cluster that is the person's whole audience, as their publisher said (`audience`): the
 * watchers on one instance are only its share of them.
 */
type Change = { user: PublicUser, online: boolean, watchers?: readonly number[], audience?: number }
const pending = new Map<number, Change>()
let scheduled = false
const slow = new Map<number, Change>()
let slowTimer: ReturnType<typeof setTimeout> | undefined
const SLOW_MS = 1000

/**
 * Tells this instance's sockets, at the end of this turn, that the user came online or went
 * offline. `watchers`: the local users who see them, when already known (a cluster knows them:
 * cluster/watching.ts), so no audience is looked up; `audience`: how many people see them in all
 * (else the audience looked up, or the watchers, decide whether their changes are coalesced).
 */
export function broadcastPresence(user: PublicUser, online: boolean, watchers?: readonly number[], audience?: number): void {
  merge(pending, { user: { id: user.id, username: user.username }, online, watchers, audience })
  if (scheduled) return
  scheduled = true
  setImmediate(flush)
}

/**
 * Keeps one change per user, in their last state, for everyone either change was for (a newly
 * arrived watcher may be told of someone in the same turn as that person's other watchers).
 */
function merge(changes: Map<number, Change>, change: Change): void {
  const before = changes.get(change.user.id)
  const watchers = before && before.watchers && change.watchers ? [...new Set([...before.watchers, ...change.watchers])] : before ? undefined : change.watchers
  changes.set(change.user.id, { ...change, watchers, audience: change.audience ?? before?.audience })
}

function flush(): void {
  scheduled = false
  const changes = [...pending.values()]
  pending.clear()
  withAudiences(changes, (audiences) => {
    const coalesceAt = useSettings().presenceCoalesceAt
    const now: Change[] = []
    const nowAudiences: Set<number>[] = []
    changes.forEach((change, i) => {
      // Behind an older change still waiting in `slow`, a change waits too (replacing it): sent at
      // once, it would be overtaken by the older state (the audience size said may have changed).
      if (!slow.has(change.user.id) && (change.audience ?? audiences[i]!.size) < coalesceAt) {
        now.push(change)
        nowAudiences.push(audiences[i]!)
        return
      }
      merge(slow, change)
      slowTimer ??= setTimeout(flushSlow, SLOW_MS)
    })
    send(now, nowAudiences)
  })
}

function flushSlow(): void {
  slowTimer = undefined
  const changes = [...slow.values()]
  slow.clear()
  withAudiences(changes, audiences => send(changes, audiences))
}

/** Runs `then` with each change's audience: at once when all are cached, else once they are read. */
function withAudiences(changes: Change[], then: (audiences: Set<number>[]) => void): void {
  if (changes.length === 0) return
  const audiences = changes.map(c => c.watchers ? new Set(c.watchers) : audienceOf(c.user.id))
  if (audiences.every(a => a instanceof Set)) return then(audiences as Set<number>[])
  Promise.all(audiences).then(then, err => log.error('presence audiences unreadable', { err }))
}

function send(changes: Change[], audiences: Set<number>[]): void {
  const byRecipient = new Map<number, { online: PublicUser[], offline: PublicUser[] }>()
  changes.forEach((change, i) => {
    for (const recipient of audiences[i]!) {
      if (!pool.isOnline(recipient)) continue
      const lists = byRecipient.get(recipient) ?? byRecipient.set(recipient, { online: [], offline: [] }).get(recipient)!
      ;(change.online ? lists.online : lists.offline).push(change.user)
    }
  })
  // Recipients with the same lists share one encoded frame (a wave seen by everyone in one group).
  const texts = new Map<string, string>()
  for (const [recipient, lists] of byRecipient) {
    const key = `${lists.online.map(u => u.id).join(',')}/${lists.offline.map(u => u.id).join(',')}`
    const text = texts.get(key) ?? texts.set(key, encodeFrame({ type: 'presence', ...lists })).get(key)!
    for (const conn of pool.connectionsOf(recipient)) conn.send(text)
  }
}
