import { encodeFrame } from '#shared/protocol'
import type { PublicUser } from '#shared/protocol'
import { pool } from '../utils/pool'
import { audienceOf } from './presenceAudience'

/**
 * Presence changes, coalesced per turn of the event loop: however many people come and go in one
 * turn (a reconnect wave), each person here gets one `presence` frame listing those of them they
 * share a conversation with (presenceAudience.ts), not one frame per change. A user who came and
 * went in the same turn is sent in their last state.
 */
const pending = new Map<number, { user: PublicUser, online: boolean }>()
let scheduled = false

/** Tells this instance's sockets, at the end of this turn, that the user came online or went offline. */
export function broadcastPresence(user: PublicUser, online: boolean): void {
  pending.set(user.id, { user: { id: user.id, username: user.username }, online })
  if (scheduled) return
  scheduled = true
  setImmediate(flush)
}

function flush(): void {
  scheduled = false
  const changes = [...pending.values()]
  pending.clear()
  if (changes.length === 0) return
  const audiences = changes.map(c => audienceOf(c.user.id))
  if (audiences.every(a => a instanceof Set)) return send(changes, audiences as Set<number>[])
  Promise.all(audiences).then(a => send(changes, a), error => console.error('[presence] audiences could not be read:', error))
}

function send(changes: Array<{ user: PublicUser, online: boolean }>, audiences: Set<number>[]): void {
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
