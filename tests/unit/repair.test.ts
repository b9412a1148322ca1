import { describe, expect, it } from 'vitest'
import { createRepair } from '../../server/cluster/repair'
import { whenMembersKnown } from '../../server/cluster/routing'

describe('repairing lost publishes', () => {
  it('does nothing until something is lost, then repairs once', async () => {
    let runs = 0
    const repair = createRepair(async () => void runs++, () => {})
    await repair.run()
    expect(runs).toBe(0)
    repair.mark()
    repair.mark()
    await Promise.all([repair.run(), repair.run()])
    expect(runs).toBe(1)
    await repair.run()
    expect(runs).toBe(1)
  })

  it('stays due when the repair fails, and repairs at the next chance', async () => {
    let fail = true
    const errors: unknown[] = []
    let runs = 0
    const repair = createRepair(async () => {
      runs++
      if (fail) throw new Error('down')
    }, e => errors.push(e))
    repair.mark()
    await repair.run()
    expect(errors).toHaveLength(1)
    expect(repair.due).toBe(true)
    fail = false
    await repair.run()
    expect(runs).toBe(2)
    expect(repair.due).toBe(false)
  })

  it('repairs again what was lost while a repair ran', async () => {
    let runs = 0
    let release!: () => void
    const repair = createRepair(() => {
      runs++
      return runs === 1 ? new Promise<void>(r => (release = r)) : Promise.resolve()
    }, () => {})
    repair.mark()
    const first = repair.run()
    repair.mark()
    release()
    await first
    expect(repair.due).toBe(true)
    await repair.run()
    expect(runs).toBe(2)
  })
})

describe('routing to a group\'s members', () => {
  it('routes at once when the members are known, and later when they are being read', async () => {
    const routed: number[][] = []
    whenMembersKnown([1, 2], m => routed.push(m), () => {})
    whenMembersKnown(Promise.resolve([3]), m => routed.push(m), () => {})
    await new Promise(r => setImmediate(r))
    expect(routed).toEqual([[1, 2], [3]])
  })

  it('marks the copies lost when the members could not be read, so the others catch up', async () => {
    let runs = 0
    const repair = createRepair(async () => void runs++, () => {})
    whenMembersKnown(Promise.reject(new Error('database down')), () => {}, () => repair.mark())
    await new Promise(r => setImmediate(r))
    expect(repair.due).toBe(true)
    await repair.run()
    expect(runs).toBe(1)
  })
})
