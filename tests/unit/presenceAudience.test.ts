import { describe, expect, it, vi } from 'vitest'
import { audienceOf, forgetAudiences, knownAudienceSize } from '../../server/socket/presenceAudience'

// Each read of the database waits until the test answers it.
const reads: Array<(people: Set<number>) => void> = []
vi.mock('../../server/chat/storage/reads', () => ({
  peopleSharingWith: () => new Promise<Set<number>>(resolve => reads.push(resolve)),
}))

describe('presence audiences', () => {
  it('does not keep a read that began before the audience was forgotten (it may miss the new contact)', async () => {
    const before = audienceOf(1)
    forgetAudiences([1])
    reads.shift()!(new Set([2]))
    expect(await before).toEqual(new Set([2]))
    const after = audienceOf(1)
    expect(after).toBeInstanceOf(Promise)
    reads.shift()!(new Set([2, 3]))
    expect(await after).toEqual(new Set([2, 3]))
    expect(audienceOf(1)).toEqual(new Set([2, 3]))
  })

  it('says how many people see a user once read, and nothing before', async () => {
    expect(knownAudienceSize(9)).toBeUndefined()
    const read = audienceOf(9)
    reads.shift()!(new Set([1, 2, 3]))
    await read
    expect(knownAudienceSize(9)).toBe(3)
    // Older than the cache's minute, it still says (it only decides how changes are coalesced).
    expect(audienceOf(9, Date.now() + 120_000)).toBeInstanceOf(Promise)
    expect(knownAudienceSize(9)).toBe(3)
  })
  it('keeps a read of one user when another user\'s audience is forgotten meanwhile', async () => {
    const read = audienceOf(20)
    forgetAudiences([21])
    reads.pop()!(new Set([1]))
    await read
    expect(knownAudienceSize(20)).toBe(1)
    expect(audienceOf(20)).toEqual(new Set([1]))
  })

  it('does not keep a read that began before every audience was forgotten', async () => {
    const read = audienceOf(30)
    forgetAudiences()
    reads.pop()!(new Set([1]))
    await read
    expect(knownAudienceSize(30)).toBeUndefined()
  })

  it('does not keep a read whose forgetting is no longer remembered (the bound on forgettings)', async () => {
    const read = audienceOf(40)
    forgetAudiences([40])
    forgetAudiences(Array.from({ length: 50_000 }, (_, i) => 100 + i))
    reads.pop()!(new Set([1]))
    await read
    expect(knownAudienceSize(40)).toBeUndefined()
  })
})
