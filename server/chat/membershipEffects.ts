import type { Connection } from '../utils/pool'
import { catchUpGroup } from './groupDeliver'

/**
 * What joining or leaving a group does to a socket: it follows the group from the line that added
 * them (reading what came since), or stops following it. Applied in stream order, as the socket's
 * stream cursor releases the events: envelopes from different instances arrive in any order, and a
 * `left` applied after a later `joined` would leave a member's socket deaf to their group.
 */
export interface MembershipEffect { conv: string, change: 'joined' | 'left', joinedSeq: number }

const pending = new WeakMap<Connection, Map<number, MembershipEffect>>()

/** A live membership event at `pos` for this socket, to apply once its stream gets there. */
export function expectEffect(conn: Connection, pos: number, effect: MembershipEffect): void {
  // Already past it: the event was read from storage (a replay), which applied it in order.
  if (pos <= conn.stream.sentPos) return
  const map = pending.get(conn) ?? pending.set(conn, new Map()).get(conn)!
  map.set(pos, effect)
}

/** The stream sent everything up to `upTo`: the effects waiting there, in order. */
export function applyReleased(conn: Connection, upTo: number): void {
  const map = pending.get(conn)
  if (!map || map.size === 0) return
  for (const pos of [...map.keys()].sort((a, b) => a - b)) {
    if (pos > upTo) break
    applyEffect(conn, map.get(pos)!)
    map.delete(pos)
  }
}

/** A replay read the events up to `upTo` from storage and applied their effects: drop the live copies. */
export function dropCovered(conn: Connection, upTo: number): void {
  const map = pending.get(conn)
  if (map) for (const pos of map.keys()) if (pos <= upTo) map.delete(pos)
}

export function applyEffect(conn: Connection, effect: MembershipEffect): void {
  if (effect.change === 'left') return conn.groups.unfollow(effect.conv)
  conn.groups.rejoin(effect.conv, effect.joinedSeq)
  catchUpGroup(conn, effect.conv)
}
