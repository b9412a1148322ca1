import { describe, expect, it } from 'vitest'
import { RESYNC_EVERY_MS, createRepair } from '../../server/cluster/repair'
import type { RepairDeps } from '../../server/cluster/repair'

/** A repair whose effects are recorded in `done` ('announce', 'announce full', 'resync'), on a clock the test moves. */
function repairWith(overrides: Partial<RepairDeps> = {}) {
  const done: string[] = []
  const errors: unknown[] = []
  const clock = { now: 1_000_000 }
  const repair = createRepair({
    announce: async full => void done.push(full ? 'announce full' : 'announce'),
    resync: async () => void done.push('resync'),
    onError: e => void errors.push(e),
    now: () => clock.now,
    ...overrides,
  })
  return { repair, done, errors, clock }
}

describe('repairing lost publishes', () => {
  it('does nothing until something is lost, then repairs once', async () => {
    const { repair, done } = repairWith()
    await repair.run()
    expect(done).toEqual([])
    repair.mark()
    repair.mark()
    await Promise.all([repair.run(), repair.run()])
    expect(done).toEqual(['announce', 'resync'])
    await repair.run()
    expect(done).toEqual(['announce', 'resync'])
  })

  it('repairs a lost presence change by announcing alone: no resync asked of every instance', async () => {
    const { repair, done } = repairWith()
    repair.mark('presence')
    await repair.run()
    expect(done).toEqual(['announce'])
    expect(repair.due).toBe(false)
  })

  it('announces every local user when the others may have cleaned this instance up', async () => {
    const { repair, done } = repairWith()
    repair.mark('lapsed')
    repair.mark('presence')
    await repair.run()
    expect(done).toEqual(['announce full'])
  })

  it('asks for a resync at most once per 30 s, announcing at once meanwhile', async () => {
    const { repair, done, clock } = repairWith()
    repair.mark('relay')
    await repair.run()
    clock.now += 1000
    repair.mark('relay')
    await repair.run()
    expect(done).toEqual(['announce', 'resync', 'announce'])
    expect(repair.due).toBe(true)
    clock.now += RESYNC_EVERY_MS - 1001
    await repair.run()
    expect(done).toHaveLength(3)
    clock.now += 1
    await repair.run()
    expect(done).toEqual(['announce', 'resync', 'announce', 'resync'])
    expect(repair.due).toBe(false)
  })

  it('stays due when the repair fails, and repairs at the next chance', async () => {
    let fail = true
    const { repair, done, errors } = repairWith({
      announce: async () => {
        done.push('announce')
        if (fail) throw new Error('down')
      },
    })
    repair.mark()
    await repair.run()
    expect(errors).toHaveLength(1)
    expect(repair.due).toBe(true)
    fail = false
    await repair.run()
    expect(done).toEqual(['announce', 'announce', 'resync'])
    expect(repair.due).toBe(false)
  })

  it('keeps a full announce owed when it failed, even if a lean one was asked for meanwhile', async () => {
    let fail = true
    const fulls: boolean[] = []
    const { repair } = repairWith({
      announce: async (full) => {
        fulls.push(full)
        if (fail) {
          repair.mark('presence')
          throw new Error('down')
        }
      },
    })
    repair.mark('lapsed')
    await repair.run()
    fail = false
    await repair.run()
    expect(fulls).toEqual([true, true])
  })

  it('asks for the resync again when its publish failed, without waiting 30 s', async () => {
    let fail = true
    const { repair, done, clock } = repairWith({
      resync: async () => {
        done.push('resync')
        if (fail) throw new Error('down')
      },
    })
    repair.mark('relay')
    await repair.run()
    fail = false
    clock.now += 1
    await repair.run()
    expect(done).toEqual(['announce', 'resync', 'resync'])
    expect(repair.due).toBe(false)
  })

  it('repairs again what was lost while a repair ran', async () => {
    let release!: () => void
    let announces = 0
    const { repair } = repairWith({
      announce: () => ++announces === 1 ? new Promise<void>(r => (release = r)) : Promise.resolve(),
    })
    repair.mark('presence')
    const first = repair.run()
    repair.mark('presence')
    release()
    await first
    expect(repair.due).toBe(true)
    await repair.run()
    expect(announces).toBe(2)
  })
})
