/**
 * A MULTI's or pipeline's replies, failing on the first command that failed: ioredis resolves
 * `exec()` with an error per command (a connection lost halfway too) instead of rejecting, so a
 * partial run would pass for a whole one (a repair would stop). Null: the transaction was aborted.
 */
export function results(replies: Array<[Error | null, unknown]> | null): unknown[] {
  if (!replies) throw new Error('transaction aborted')
  for (const [error] of replies) if (error) throw error
  return replies.map(([, value]) => value)
}
