import type { CleanedUp } from './redisPresence'

/**
 * The decisions of a presence-lease tick, pure, so they are tested without Redis. Each instance
 * keeps a lease key (`alive:<id>`, expiring) and its id in the instances set; a tick renews the
 * lease and looks at the others.
 */

/**
 * Whether this instance must announce itself again after renewing: its lease key was gone (first
 * tick, or it lapsed during an outage, so the others gave it up) or its id had been removed from the
 * set (another instance dropped it just as it renewed).
 */
export function mustAnnounce(previousLease: unknown, addedToSet: unknown): boolean {
  return previousLease === null || addedToSet === 1
}

/** The other instances to check: members of the set and those this one believes in, once each. */
export function leaseCandidates(self: string, members: readonly string[], known: readonly string[]): string[] {
  return [...new Set([...members, ...known])].filter(id => id !== self)
}

/**
 * Splits candidates by whether their lease key exists (EXISTS replies, in order). Only a missing
 * key counts as gone: a member that joined after our SMEMBERS already has its key (SET comes before
 * SADD), and a failed or odd reply is not proof of death.
 */
export function splitByLease(candidates: readonly string[], exists: readonly unknown[]): { live: string[], gone: string[] } {
  const live: string[] = []
  const gone: string[] = []
  candidates.forEach((id, i) => (exists[i] === 0 ? gone : live).push(id))
  return { live, gone }
}

/**
 * Whether a clean-up proved the instance gone: it removed it, or found it removed already. A
 * clean-up that failed (undefined) proves nothing, nor one that found the lease back ('alive').
 */
export function provedGone(cleaned: CleanedUp | undefined): boolean {
  return cleaned === 'removed' || cleaned === 'absent'
}
