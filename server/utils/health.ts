import { sql } from 'kysely'

let draining = false

/** Called when the process starts shutting down: readiness turns false at once. */
export function markDraining(): void {
  draining = true
}

/**
 * Whether this instance should receive traffic: not draining, and its database answers within
 * `timeoutMs`. Returns the reason when not.
 */
export async function readiness(timeoutMs = 2000): Promise<{ ready: true } | { ready: false, reason: string }> {
  if (draining) return { ready: false, reason: 'draining' }
  try {
    const db = await useDb()
    await Promise.race([
      sql`select 1`.execute(db),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
    ])
    return { ready: true }
  }
  catch (error) {
    return { ready: false, reason: `database unreachable: ${(error as Error).message}` }
  }
}
