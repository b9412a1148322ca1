import { describe, expect, it, vi } from 'vitest'
import { watchContacts } from '../../server/socket/watchContacts'

// Each contact read waits until the test answers it, in the order the test picks.
const reads: Array<{ userId: number, answer: (people: Set<number>) => void }> = []
vi.mock('../../server/socket/presenceAudience', () => ({
  audienceOf: (userId: number) => new Promise<Set<number>>(resolve => reads.push({ userId, answer: resolve })),
  onAudiencesForgotten: () => {},
}))
const watched: Array<[number, number[]]> = []
vi.mock('../../server/cluster/cluster', () => ({
  useCluster: () => ({ shared: true, watch: (userId: number, contacts: number[]) => watched.push([userId, contacts]) }),
}))
vi.mock('../../server/utils/pool', () => ({ pool: { connectionsOf: () => new Set([{}]) } }))

const settle = () => new Promise(resolve => setTimeout(resolve, 0))

describe('watching a user\'s contacts', () => {
  it('applies only the latest of two contact reads in flight for one user, whichever answers last', async () => {
    watchContacts(1) // their arrival
    watchContacts(1) // then their contacts changed: a newer read
    watchContacts(2)
    const [older, newer, other] = reads.splice(0)
    newer!.answer(new Set([5, 6]))
    await settle()
    older!.answer(new Set([5]))
    other!.answer(new Set([7]))
    await settle()
    expect(watched).toEqual([[1, [5, 6]], [2, [7]]])
  })
})
