import { describe, expect, it } from 'vitest'
import { announceIfGivenUp, dropDead } from '../../server/cluster/leaseTick'
import type { CleanedUp } from '../../server/cluster/redisPresence'
import { createRepair } from '../../server/cluster/repair'

const flush = () => new Promise(resolve => setImmediate(resolve))

describe('dropping dead instances on a lease tick', () => {
  it('drops an instance only when its clean-up removed it or found it removed', async () => {
    const results: Record<string, CleanedUp | Error> = { a: 'removed', b: 'absent', c: 'alive', d: new Error('timeout') }
    const dropped: string[] = []
    const errors: unknown[] = []
    await dropDead(['a', 'b', 'c', 'd'], async (id) => {
      const r = results[id]!
      if (r instanceof Error) throw r
      return r
    }, id => void dropped.push(id), e => void errors.push(e))
    // d's clean-up failed: it may have renewed meanwhile, and nothing was removed from Redis.
    expect(dropped).toEqual(['a', 'b'])
    expect(errors).toEqual([new Error('timeout')])
  })

  it('drops each instance right after its own clean-up, before the next one\'s ends', async () => {
    const steps: string[] = []
    let finishBig!: () => void
    const done = dropDead(['small', 'big'], (id) => {
      steps.push(`clean ${id}`)
      return id === 'big' ? new Promise<CleanedUp>(r => (finishBig = () => r('removed'))) : Promise.resolve('removed')
    }, id => void steps.push(`drop ${id}`), () => {})
    await flush()
    expect(steps).toEqual(['clean small', 'drop small', 'clean big'])
    finishBig()
    await done
    expect(steps).toEqual(['clean small', 'drop small', 'clean big', 'drop big'])
  })
})

describe('announcing after renewing the lease', () => {
  it('announces every local user when the lease had lapsed or the instance had been removed', async () => {
    const announced: boolean[] = []
    const repair = createRepair({ announce: async () => {}, resync: async () => {}, onError: () => {} })
    await announceIfGivenUp(null, 0, async full => void announced.push(full), repair)
    await announceIfGivenUp('1', 1, async full => void announced.push(full), repair)
    await announceIfGivenUp('1', 0, async full => void announced.push(full), repair)
    expect(announced).toEqual([true, true])
  })

  it('leaves a full announce owed to the repair when it failed (the next tick finds the lease present)', async () => {
    const repaired: boolean[] = []
    const repair = createRepair({ announce: async full => void repaired.push(full), resync: async () => {}, onError: () => {} })
    await expect(announceIfGivenUp(null, 0, () => Promise.reject(new Error('down')), repair)).rejects.toThrow('down')
    expect(repair.due).toBe(true)
    await repair.run()
    expect(repaired).toEqual([true])
  })
})
