import { CloseCode } from '#shared/protocol'
import { pool } from '../utils/pool'
import { expiredConnections, silentConnections } from './heartbeat'
import { disconnect } from './membership'
import { closeSessionsHere } from './sessions'

/** One pass of the liveness sweep: closes expired sessions' and silent connections. */
export function sweepConnections(now: number, silenceLimit: number): void {
  // Every instance sweeps its own sockets: expiry needs no message to the others.
  closeSessionsHere(expiredConnections(pool.connections(), now).map(conn => conn.sessionHash))
  for (const conn of silentConnections(pool.connections(), now, silenceLimit)) {
    disconnect(conn, CloseCode.HeartbeatTimeout, 'heartbeat timeout')
  }
}
