import { streamHead } from './storage/reads'

/**
 * The stream head of each user with a socket here, kept current from the events this instance
 * delivers (its own writes and the other instances' envelopes), so a welcome and a resume need no
 * query when the user already has a socket here (a second tab, a reconnect wave). Read from the
 * database on first use; forgotten when the user's last socket here closes. A head can only be
 * behind the database (an envelope lost in a Redis outage): the device then replays a few events
 * it has, and drops them by position.
 */
const heads = new Map<number, number>()

/** The user's stream head: cached, or read once. */
export async function headOf(userId: number): Promise<number> {
  const cached = heads.get(userId)
  if (cached !== undefined) return cached
  const read = await streamHead(userId)
  // Events delivered while the read was under way may have moved it further already.
  const head = Math.max(read, heads.get(userId) ?? 0)
  heads.set(userId, head)
  return head
}

/** An event of the user's stream was delivered here. */
export function noteEvent(userId: number, pos: number): void {
  const head = heads.get(userId)
  if (head !== undefined && pos > head) heads.set(userId, pos)
}

/** The user's last socket here closed. */
export function forgetHead(userId: number): void {
  heads.delete(userId)
}
