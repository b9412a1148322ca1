import { encodeFrame } from '#shared/protocol'
import type { PublicUser } from '#shared/protocol'
import { pool } from '../utils/pool'

/**
 * Presence changes, coalesced per turn of the event loop: however many people come and go in one
 * turn (a reconnect wave), every socket here gets one `presence` frame listing them, not one frame
 * per change. A user who came and went in the same turn is sent in their last state.
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
  const online: PublicUser[] = []
  const offline: PublicUser[] = []
  for (const { user, online: isOnline } of pending.values()) (isOnline ? online : offline).push(user)
  pending.clear()
  if (online.length + offline.length === 0) return
  const text = encodeFrame({ type: 'presence', online, offline })
  // Nobody is told about themselves alone (their own tabs know): a change of one user skips them.
  const only = online.length + offline.length === 1 ? (online[0] ?? offline[0])!.id : undefined
  for (const conn of pool.connections()) {
    if (conn.user.id !== only) conn.send(text)
  }
}
