import type { RelayedEvent } from '../cluster/envelope'
import { useCluster } from '../cluster/cluster'
import { pool } from '../utils/pool'
import type { Connection } from '../utils/pool'
import { noteEvent } from './heads'
import { applyReleased, expectEffect } from './membershipEffects'
import { catchUp } from './replay'

/**
 * One connection's own copy of an event, sent instead of the shared text: the sender's ack, at its
 * position. A connection that has not resumed yet (no stream) gets `direct` (the ack without a
 * position) at once instead; its copy of the message comes with its replay.
 */
export interface OwnCopy { conn: Connection, pos: number, text: string, direct: string }

/** Hands a stored event of a user's stream to every connection of that user here, in stream order. */
export function deliverHere(event: RelayedEvent, own?: OwnCopy): void {
  noteEvent(event.userId, event.pos)
  for (const c of pool.connectionsOf(event.userId)) {
    // Joined or left a group: applied when the stream gets to it (membershipEffects.ts). A socket
    // that has not resumed reads it all then.
    if (event.group && c.stream.started) expectEffect(c, event.pos, event.group)
    const mine = own?.conn === c && own.pos === event.pos
    if (mine && !c.stream.started) {
      c.send(own.direct)
      continue
    }
    for (const t of c.stream.live(event.pos, mine ? own.text : event.text, mine)) c.send(t)
    applyReleased(c, c.stream.sentPos)
    if (c.stream.hasGap()) repairSoon(c)
  }
}

const repairing = new WeakSet<Connection>()

/**
 * A connection's stream waits behind a missing event. Usually it arrives within this turn (events
 * of one batch are answered through several connections); if it is still missing a turn later
 * (another instance's envelope was lost), it is read from the database.
 */
function repairSoon(conn: Connection): void {
  if (repairing.has(conn)) return
  repairing.add(conn)
  setImmediate(() => {
    repairing.delete(conn)
    if (!conn.closed && conn.stream.hasGap()) catchUp(conn)
  })
}

/**
 * Delivers stored events on this instance and hands them to the others. `own`: the connection
 * that sent the message gets its ack at that position of its stream, instead of a copy of the
 * message it already has.
 */
export function deliver(events: RelayedEvent[], own?: OwnCopy): void {
  for (const e of events) deliverHere(e, own)
  if (events.length > 0) useCluster().publishEvents(events)
}
