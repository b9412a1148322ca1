import { mustAnnounce, provedGone } from './lease'
import type { CleanedUp } from './redisPresence'
import type { Loss } from './repair'

/** The steps of a lease tick that act on what lease.ts decides (the effects are passed in). */

/**
 * After renewing the lease: when the others may have given this instance up (`mustAnnounce`), it
 * republishes every local user, not only those Redis lacks: their watchers may have dropped this
 * instance, and a clean-up cut short leaves some of its entries. If that fails, the repair owes a
 * full announce: the next tick finds the lease present and would not announce again.
 */
export async function announceIfGivenUp(previousLease: unknown, addedToSet: unknown, announce: (full: boolean) => Promise<void>, repair: { mark(loss: Loss): void }): Promise<void> {
  if (!mustAnnounce(previousLease, addedToSet)) return
  await announce(true).catch((error: unknown) => {
    repair.mark('lapsed')
    throw error
  })
}

/**
 * Cleans up after the instances whose lease is gone, one after the other, and drops each here
 * right after its own clean-up proved it gone: not after them all, since a long clean-up of a big
 * instance would delay the others' drop, and one of them may come back and announce meanwhile (a
 * late drop would then mark its users offline). A failed clean-up drops nothing: the next tick
 * tries again.
 */
export async function dropDead(
  ids: readonly string[],
  cleanUp: (id: string) => Promise<CleanedUp>,
  drop: (id: string) => void,
  onError: (error: unknown) => void,
): Promise<void> {
  for (const id of ids) {
    const cleaned = await cleanUp(id).catch((error: unknown) => void onError(error))
    if (provedGone(cleaned)) drop(id)
  }
}
