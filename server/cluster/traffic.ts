/**
 * What this instance's Redis connections carried since it started, and the database reads that
 * envelopes cause, as plain counters: the measure of routing (tests/cluster/routing.test.ts and
 * groups.test.ts read them from /api/health/live). An instance's numbers should follow its own
 * users' traffic, not the cluster's.
 */
export const relayTraffic = {
  /** Envelopes the subscriber received (own echoes included). */
  received: 0,
  /** Of those, envelopes from other instances that were handled. */
  handled: 0,
  /** Redis commands sent on both connections (a MULTI counts its MULTI and EXEC too). */
  commands: 0,
  /** Users' presence read from Redis (when first watched here, and again after a reconnect). */
  presenceRead: 0,
  /** Presence envelopes received (own echoes included): the changes of this instance's users' contacts. */
  presence: 0,
  /** Groups' members read from the database (a group not cached here, a membership line, a line after a gap). */
  memberReads: 0,
  /** Users' contacts read from the database (who sees their presence: presenceAudience.ts). */
  audienceReads: 0,
}

/** Counts every command a Redis connection sends (ioredis routes pipelines through sendCommand too). */
export function countCommands(connection: { sendCommand: (...args: never[]) => unknown }): void {
  const send = connection.sendCommand.bind(connection) as (...args: unknown[]) => unknown
  ;(connection as { sendCommand: (...args: unknown[]) => unknown }).sendCommand = (...args: unknown[]) => {
    relayTraffic.commands++
    return send(...args)
  }
}
