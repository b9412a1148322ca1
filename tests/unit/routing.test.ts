import { describe, expect, it } from 'vitest'
import { createFollowing } from '../../server/cluster/follow'
import { routeEvents, routeToMembers, userChannel } from '../../server/cluster/routing'

const event = (userId: number, pos: number) => ({ userId, pos, text: `e${userId}.${pos}` })

describe('routing envelopes to the users they concern', () => {
  it('sends the events of each user on that user\'s channel, one envelope per user, in order', () => {
    const routes = routeEvents('p:', 'me', [event(1, 1), event(2, 1), event(1, 2)])
    expect(routes).toEqual([
      { channel: 'p:u:1', envelope: { kind: 'events', from: 'me', events: [event(1, 1), event(1, 2)] } },
      { channel: 'p:u:2', envelope: { kind: 'events', from: 'me', events: [event(2, 1)] } },
    ])
  })

  it('sends a group envelope once to each member, naming the member it is for', () => {
    const line = { kind: 'groupReceipt' as const, from: 'me', conv: 'g1', text: 't' }
    expect(routeToMembers('p:', [3, 4, 3], line)).toEqual([
      { channel: userChannel('p:', 3), envelope: { ...line, for: 3 } },
      { channel: userChannel('p:', 4), envelope: { ...line, for: 4 } },
    ])
  })
})

function fakeSubscriber(status = 'ready') {
  const calls: string[] = []
  return {
    calls,
    status,
    subscribe: async (...channels: string[]) => void calls.push(`+${channels.join(',')}`),
    unsubscribe: async (...channels: string[]) => void calls.push(`-${channels.join(',')}`),
  }
}

describe('following users\' channels', () => {
  it('subscribes once per user however many sockets follow, and unsubscribes once', async () => {
    const sub = fakeSubscriber()
    const following = createFollowing(sub, id => `u:${id}`, () => {})
    await following.follow(7)
    await following.follow(7)
    expect(following.channels()).toEqual(['u:7'])
    following.unfollow(7)
    following.unfollow(7)
    expect(sub.calls).toEqual(['+u:7', '-u:7'])
    expect(following.channels()).toEqual([])
  })

  it('does not hold a welcome while the subscriber is disconnected (the reconnect catches up)', async () => {
    const sub = { ...fakeSubscriber('reconnecting'), subscribe: () => new Promise<never>(() => {}) }
    const following = createFollowing(sub, id => `u:${id}`, () => {})
    await expect(following.follow(1)).resolves.toBeUndefined()
    expect(following.channels()).toEqual(['u:1'])
  })
})
