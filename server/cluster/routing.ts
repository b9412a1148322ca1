import type { Envelope, RelayedEvent } from './envelope'

/**
 * Where envelopes go (issue 15), pure. A user's traffic travels on that user's channel, and an
 * instance subscribes to the channels of the users it holds sockets for (follow.ts): it receives
 * its own users' traffic and nothing else. Group lines, group receipts and group typing go to each
 * member's channel as a copy naming the member it is for (`for`), so an instance handles one copy
 * per member it holds and never the same line twice for the same person. What concerns every
 * instance stays on the one cluster channel: resync, an instance leaving, and sign-outs (any
 * instance may hold the session in its HTTP cache, whether or not it holds the user's sockets). A
 * presence change goes once on the person's presence channel, followed by the instances whose
 * users see them.
 */

/** A channel and the text to publish on it. */
export interface Route { channel: string, envelope: Envelope }

/** The channel of one user's traffic. */
export function userChannel(prefix: string, userId: number): string {
  return `${prefix}u:${userId}`
}

/** Events grouped by the user whose stream they belong to, in their order: one envelope per user. */
export function routeEvents(prefix: string, from: string, events: readonly RelayedEvent[]): Route[] {
  const byUser = new Map<number, RelayedEvent[]>()
  for (const e of events) {
    const list = byUser.get(e.userId)
    if (list) list.push(e)
    else byUser.set(e.userId, [e])
  }
  return [...byUser].map(([userId, list]) => ({ channel: userChannel(prefix, userId), envelope: { kind: 'events', from, events: list } }))
}

/** One copy of a group envelope per member, on the member's channel. */
export function routeToMembers<E extends Envelope & { kind: 'groupLine' | 'groupReceipt' | 'typing' }>(prefix: string, members: readonly number[], envelope: E): Route[] {
  return [...new Set(members)].map(member => ({ channel: userChannel(prefix, member), envelope: { ...envelope, for: member } }))
}

/** The channel of one user's presence changes: followed by the instances whose users see them (watching.ts). */
export function presenceChannel(prefix: string, userId: number): string {
  return `${prefix}p:${userId}`
}
