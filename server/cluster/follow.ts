/**
 * Which users' channels this instance is subscribed to: one subscription per user with a socket
 * here, taken before their welcome and dropped when their last socket here leaves.
 */
export interface Following {
  /**
   * Subscribes to the user's channel (once, however many sockets they have here). Resolves when
   * Redis has confirmed it, so every event stored afterwards reaches this instance; resolves at
   * once while the subscriber is disconnected (its reconnect catches every socket up: resync).
   */
  follow(userId: number): Promise<void>
  /** Unsubscribes (their last socket here left). */
  unfollow(userId: number): void
  /** Every channel followed now (to subscribe again after a reconnect). */
  channels(): string[]
}

/** The longest a welcome waits for its subscription. */
const FOLLOW_WAIT_MS = 5000

interface Subscriber {
  readonly status: string
  subscribe(...channels: string[]): Promise<unknown>
  unsubscribe(...channels: string[]): Promise<unknown>
}

export function createFollowing(sub: Subscriber, channelOf: (userId: number) => string, onError: (error: unknown) => void): Following {
  const following = new Map<number, Promise<void>>()
  return {
    follow(userId) {
      let subscribed = following.get(userId)
      if (!subscribed) {
        subscribed = sub.subscribe(channelOf(userId)).then(() => {}, onError)
        following.set(userId, subscribed)
      }
      if (sub.status !== 'ready') return Promise.resolve()
      // A reply lost with its connection must not hold a welcome for ever (the reconnect resyncs).
      return Promise.race([subscribed, new Promise<void>(resolve => setTimeout(resolve, FOLLOW_WAIT_MS).unref())])
    },
    unfollow(userId) {
      if (following.delete(userId)) sub.unsubscribe(channelOf(userId)).catch(onError)
    },
    channels: () => [...following.keys()].map(channelOf),
  }
}
