import { CloseCode } from '#shared/protocol'
import { markDraining } from '../infra/lifecycle'
import { log } from '../infra/log'
import { pool } from '../utils/pool'
import type { Connection } from '../utils/pool'
import { IN_FLIGHT_WAIT_MS, drainSchedule } from './drainPlan'
import { disconnect } from './membership'

let draining: Promise<void> | undefined

/**
 * Starts draining this instance (once): each socket is closed at its moment of the window
 * (drainPlan.ts) after its in-flight frames are handled; until then it keeps working. Resolves
 * when every socket is closed.
 */
export function drainConnections(windowMs: number): Promise<void> {
  draining ??= (async () => {
    markDraining()
    const conns = [...pool.connections()]
    log.info('draining', { sockets: conns.length, windowMs })
    const delays = drainSchedule(conns.length, windowMs)
    await Promise.all(conns.map((conn, i) => sleep(delays[i]!).then(() => closeForRestart(conn))))
    // Sockets that were still joining when the drain began are in the pool only now.
    await Promise.all([...pool.connections()].map(conn => closeForRestart(conn)))
  })()
  return draining
}

async function closeForRestart(conn: Connection): Promise<void> {
  if (conn.closed) return
  // A message being stored now gets its ack before the close; one that arrives later is not
  // acknowledged here, so the client sends it again to the next instance (deduplicated by cid).
  await Promise.race([conn.idle(), sleep(IN_FLIGHT_WAIT_MS)])
  disconnect(conn, CloseCode.ServiceRestart, 'server restarting')
  // A frame that started just before the close finishes before the instance leaves the cluster.
  await Promise.race([conn.idle(), sleep(IN_FLIGHT_WAIT_MS)])
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
