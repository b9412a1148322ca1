import type { Loss } from './repair'
import type { Route } from './routing'

/**
 * Routing a group envelope once its members are known (usually at once, from the cache). A failed
 * read is the database's, not Redis's: it is tried again after each of `retryMs`, and only when
 * every try failed are the copies marked lost, so the others catch up from the database
 * (repair.ts). Typing is live only: dropped when its read fails.
 */

export interface MemberRoutingDeps {
  publish(routes: Route[]): void
  repair: { mark(loss: Loss): void }
  /** Every read for this envelope failed (`conv`: the group). */
  onError(conv: string, error: unknown): void
  retryMs?: readonly number[]
  setTimer?(run: () => void, ms: number): unknown
}

/** The waits before each new read: about 7 s in all before the copies count as lost. */
export const MEMBER_RETRY_MS = [1000, 2000, 4000] as const

export function createMemberRouting(deps: MemberRoutingDeps) {
  const retryMs = deps.retryMs ?? MEMBER_RETRY_MS
  const setTimer = deps.setTimer ?? ((run, ms) => setTimeout(run, ms).unref())

  /**
   * Routes `route(members)` with the members `read` gives (called again on each try, `retry` then
   * true); `live`: nothing is owed when the read fails (typing).
   */
  return function toMembers(conv: string, read: (retry: boolean) => number[] | Promise<number[]>, route: (members: number[]) => Route[], live = false): void {
    const attempt = (tries: number) => {
      const failed = (error: unknown) => {
        if (live) return
        if (tries < retryMs.length) return void setTimer(() => attempt(tries + 1), retryMs[tries]!)
        deps.onError(conv, error)
        deps.repair.mark('relay')
      }
      let members: number[] | Promise<number[]>
      try {
        members = read(tries > 0)
      }
      catch (error) {
        return failed(error)
      }
      if (Array.isArray(members)) return deps.publish(route(members))
      members.then(m => deps.publish(route(m)), failed)
    }
    attempt(0)
  }
}
