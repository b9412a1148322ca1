import type { RelayedEvent } from '../cluster/envelope'
import { useCluster } from '../cluster/cluster'
import { pool } from '../utils/pool'
import { catchUp } from './replay'

/** Hands a stored event of a user's stream to every connection of that user here, in stream order. */
export function deliverHere(event: RelayedEvent): void {
  for (const c of pool.connectionsOf(event.userId)) {
    for (const t of c.stream.live(event.pos, event.text)) c.send(t)
    if (c.stream.takeGap()) catchUp(c)
  }
}

/** Delivers stored events on this instance and hands them to the others. */
export function deliver(events: RelayedEvent[]): void {
  for (const e of events) deliverHere(e)
  if (events.length > 0) useCluster().publishEvents(events)
}
