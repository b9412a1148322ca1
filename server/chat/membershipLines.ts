import { forgetAudiences } from '../socket/presenceAudience'
import { recipientsOf } from './groupMembers'
import { RecentMap } from './recentMap'

/**
 * A membership line (a system line) comes to an instance once per member it holds, each copy for
 * its member (cluster/routing.ts). Its group is read again from storage (groupMembers.ts) and the
 * audiences of its people forgotten (who sees whose presence changed) once per line here, not once
 * per copy: the first copy starts the read, later copies share it, in flight or done. That read
 * starts after the first copy arrived, so after the change was committed; and who a stored line
 * goes to never changes, so a done read stays right for the copies that follow. Copies of one line
 * come within milliseconds (one pipeline): kept 30 s, at most 100 lines (a copy after that only
 * reads again).
 */
const shared = new RecentMap<string, number[] | Promise<number[]>>(100, 30_000)

/** The members a membership line goes to, read once per line on this instance. */
export function membershipLineRecipients(conv: string, seq: number): number[] | Promise<number[]> {
  const key = `${conv} ${seq}`
  const known = shared.get(key, Date.now())
  if (known) return known
  const read: Promise<number[]> = Promise.resolve(recipientsOf(conv, seq, true)).then((users) => {
    // Done: later copies take the list at once (the same turn as their envelope).
    if (shared.get(key, Date.now()) === read) shared.set(key, users, Date.now())
    forgetAudiences(users)
    return users
  }, (error: unknown) => {
    // The next copy tries again (this one's member gets the line by the gap repair, if at all).
    if (shared.get(key, Date.now()) === read) shared.delete(key)
    throw error
  })
  shared.set(key, read, Date.now())
  return read
}
