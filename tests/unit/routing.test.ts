import { describe, expect, it } from 'vitest'
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
