/**
 * Which users' channels this instance is subscribed to: one subscription per user with a socket
 * here, taken before their welcome and dropped when their last socket here leaves.
 */
export interface Following {
  /**
   * Subscribes to the user's channel (once, however many sockets they have here). Resolves `true`
   * when Redis has confirmed it, so every event stored afterwards reaches this instance; `true` at
   * once while the subscriber is disconnected (its reconnect subscribes again and catches every
   * socket up: resync). Resolves `false` when Redis refused it or did not confirm it within
   * FOLLOW_WAIT_MS: events may then be missed with nothing to catch them up.
   */
  follow(userId: number): Promise<boolean>
  /** Unsubscribes (their last socket here left). */
  unfollow(userId: number): void
  /** Every channel followed now (to subscribe again after a reconnect). */
  channels(): string[]
}

/** The longest a welcome waits for its subscription. */
export const FOLLOW_WAIT_MS = 5000

interface Subscriber {
  readonly status: string
  subscribe(...channels: string[]): Promise<unknown>
  unsubscribe(...channels: string[]): Promise<unknown>
}

/** One SUBSCRIBE sent for a user, and what became of it. */
interface Subscription {
  /** `true` once Redis confirmed it, `false` if it failed. */
  readonly confirmed: Promise<boolean>
  failed: boolean
  /** A wait for it timed out and was reported (once per SUBSCRIBE, however many sockets waited). */
  lateReported: boolean
}

/** `onLate`: a SUBSCRIBE was not confirmed within FOLLOW_WAIT_MS (once per SUBSCRIBE; the connection may hang). */
export function createFollowing(sub: Subscriber, channelOf: (userId: number) => string, onError: (error: unknown) => void, onLate?: () => void): Following {
  const following = new Map<number, Subscription>()

  // Redis runs a connection's commands in order, so a SUBSCRIBE sent after an UNSUBSCRIBE of the same
  // channel (a user who left and came back while the first reply was on its way) holds.
  function subscribe(userId: number): Subscription {
    const subscription: Subscription = {
      failed: false,
      lateReported: false,
      confirmed: sub.subscribe(channelOf(userId)).then(() => true, (error: unknown) => {
        subscription.failed = true
        onError(error)
        return false
      }),
    }
    following.set(userId, subscription)
    return subscription
  }

  /** Whether it is confirmed within FOLLOW_WAIT_MS (a reply lost with its connection must not hold a welcome for ever). */
  function within(subscription: Subscription, channel: string): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => {
        if (!subscription.lateReported) {
          onError(new Error(`SUBSCRIBE ${channel} not confirmed within ${FOLLOW_WAIT_MS} ms`))
          onLate?.()
        }
        subscription.lateReported = true
        resolve(false)
      }, FOLLOW_WAIT_MS).unref()
    })
    return Promise.race([subscription.confirmed, late]).finally(() => clearTimeout(timer))
  }

  return {
    follow(userId) {
      let subscription = following.get(userId)
      // A failed SUBSCRIBE is tried again (the entry stays meanwhile, so a reconnect re-subscribes it).
      if (!subscription || subscription.failed) subscription = subscribe(userId)
      if (sub.status !== 'ready') return Promise.resolve(true)
      return within(subscription, channelOf(userId))
    },
    unfollow(userId) {
      if (following.delete(userId)) sub.unsubscribe(channelOf(userId)).catch(onError)
    },
    channels: () => [...following.keys()].map(channelOf),
  }
}
