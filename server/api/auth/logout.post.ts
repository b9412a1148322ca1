/**
 * Signs out: ends this session (or every session of the user with `{ "everywhere": true }`) and
 * closes the sockets those sessions opened with close code 4001.
 */
export default defineEventHandler(async (event) => {
  const body = await readBody(event).catch(() => null) as { everywhere?: unknown } | null
  const ended = await endSession(event, body?.everywhere === true)
  const closedSockets = ended ? closeSessions(ended.sessionHashes) : 0
  return { ok: true, closedSockets }
})
