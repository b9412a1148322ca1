import { describe, expect, it } from 'vitest'
import { BusyError, createGroupCommit } from '../../server/chat/storage/groupCommit'

/** A scheduler the test runs by hand, so batches form exactly where the test says. */
function manualScheduler() {
  const due: Array<() => void> = []
  return {
    schedule: (fn: () => void) => void due.push(fn),
    run: async () => {
      for (const fn of due.splice(0)) fn()
      await new Promise(r => setTimeout(r, 0))
    },
  }
}

describe('group commit', () => {
  it('should write items submitted in the same turn as one batch, and answer each caller with its own result', async () => {
    const batches: number[][] = []
    const s = manualScheduler()
    const gc = createGroupCommit<number, string>({ commit: async (items) => {
      batches.push(items)
      return items.map(n => `r${n}`)
    }, schedule: s.schedule })
    const answers = [1, 2, 3].map(n => gc.submit(n))
    await s.run()
    expect(batches).toEqual([[1, 2, 3]])
    expect(await Promise.all(answers)).toEqual(['r1', 'r2', 'r3'])
  })

  it('should not resolve a caller before its batch has committed', async () => {
    let release!: () => void
    const s = manualScheduler()
    const gc = createGroupCommit<number, number>({ commit: items => new Promise(resolve => (release = () => resolve(items))), schedule: s.schedule })
    let settled = false
    const answer = gc.submit(7).then(() => (settled = true))
    await s.run()
    expect(settled).toBe(false)
    release()
    await answer
    expect(settled).toBe(true)
  })

  it('should collect items that arrive during a write into the next batch, written after it', async () => {
    const batches: number[][] = []
    const releases: Array<() => void> = []
    const s = manualScheduler()
    const gc = createGroupCommit<number, number>({ commit: items => new Promise((resolve) => {
      batches.push(items)
      releases.push(() => resolve(items))
    }), schedule: s.schedule })
    const first = gc.submit(1)
    await s.run()
    const later = [gc.submit(2), gc.submit(3)]
    await s.run()
    // Only one batch is written at a time.
    expect(batches).toEqual([[1]])
    expect(gc.pending).toBe(2)
    releases[0]!()
    await first
    await s.run()
    expect(batches).toEqual([[1], [2, 3]])
    releases[1]!()
    expect(await Promise.all(later)).toEqual([2, 3])
  })

  it('should split a long queue into batches of at most maxBatch, in submission order', async () => {
    const batches: number[][] = []
    const gc = createGroupCommit<number, number>({ commit: async (items) => {
      batches.push(items)
      return items
    }, maxBatch: 2 })
    expect(await Promise.all([1, 2, 3, 4, 5].map(n => gc.submit(n)))).toEqual([1, 2, 3, 4, 5])
    expect(batches).toEqual([[1, 2], [3, 4], [5]])
  })

  it('should give every caller of a failed batch the error, and keep working for the next batch', async () => {
    let fail = true
    const gc = createGroupCommit<number, number>({ commit: async (items) => {
      if (fail) throw new Error('disk full')
      return items
    } })
    const results = await Promise.allSettled([gc.submit(1), gc.submit(2)])
    expect(results.map(r => r.status)).toEqual(['rejected', 'rejected'])
    expect(results.map(r => r.status === 'rejected' && (r.reason as Error).message)).toEqual(['disk full', 'disk full'])
    fail = false
    expect(await gc.submit(3)).toBe(3)
  })

  it('should refuse a commit that answers with the wrong number of results', async () => {
    const gc = createGroupCommit<number, number>({ commit: async () => [1] })
    await expect(Promise.all([gc.submit(1), gc.submit(2)])).rejects.toThrow(/1 results for 2 items/)
  })
})

describe('group commit under failure and load', () => {
  it('should find the one item that failed its batch by splitting, and store the others', async () => {
    const commits: number[][] = []
    const gc = createGroupCommit<number, number>({
      commit: async (items) => {
        commits.push(items)
        if (items.includes(5)) throw Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT_UNIQUE' })
        return items
      },
      splitOnError: () => true,
    })
    const results = await Promise.allSettled([1, 2, 3, 4, 5, 6, 7, 8].map(n => gc.submit(n)))
    expect(results.map(r => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled'])
    // Bounded: 1 + 2·log2(8) transactions at most, not one per item.
    expect(commits.length).toBeLessThanOrEqual(1 + 2 * 3)
  })

  it('should not retry a batch the database itself failed, and report each failed batch once', async () => {
    const commits: number[][] = []
    const reported: Array<[string, number]> = []
    const gc = createGroupCommit<number, number>({
      commit: async (items) => {
        commits.push(items)
        throw new Error('database is down')
      },
      splitOnError: error => (error as { code?: string }).code === 'SQLITE_CONSTRAINT',
      onBatchError: (error, size) => reported.push([(error as Error).message, size]),
    })
    const results = await Promise.allSettled([1, 2, 3, 4].map(n => gc.submit(n)))
    expect(results.every(r => r.status === 'rejected')).toBe(true)
    expect(commits).toEqual([[1, 2, 3, 4]])
    expect(reported).toEqual([['database is down', 4]])
  })

  it('should refuse at once, with BusyError, what arrives while maxPending items wait or are being written', async () => {
    let release!: () => void
    const s = manualScheduler()
    const gc = createGroupCommit<number, number>({ commit: items => new Promise(resolve => (release = () => resolve(items))), schedule: s.schedule, maxPending: 3 })
    const first = gc.submit(1)
    await s.run()
    const waiting = [gc.submit(2), gc.submit(3)]
    await expect(gc.submit(4)).rejects.toBeInstanceOf(BusyError)
    release()
    await first
    await s.run()
    release()
    expect(await Promise.all(waiting)).toEqual([2, 3])
    // Room again: taken.
    const again = gc.submit(5)
    await s.run()
    release()
    expect(await again).toBe(5)
  })

  it('should count other writes run alongside against maxPending, and refuse both kinds with BusyError when full', async () => {
    let release!: () => void
    const s = manualScheduler()
    const gc = createGroupCommit<number, number>({ commit: async items => items, schedule: s.schedule, maxPending: 2 })
    const stalled = () => new Promise<string>(resolve => (release = () => resolve('receipt')))
    const first = gc.alongside(stalled)
    const item = gc.submit(1)
    // Full: one write alongside, one item waiting.
    await expect(gc.alongside(async () => 'not run')).rejects.toBeInstanceOf(BusyError)
    await expect(gc.submit(2)).rejects.toBeInstanceOf(BusyError)
    await s.run()
    expect(await item).toBe(1)
    release()
    expect(await first).toBe('receipt')
    // Room again for both kinds.
    expect(await gc.alongside(async () => 'ran')).toBe('ran')
  })

  it('should hand batches to commit as they form when more may be in flight, in submission order', async () => {
    const calls: number[][] = []
    const releases: Array<() => void> = []
    const s = manualScheduler()
    const gc = createGroupCommit<number, number>({
      commit: items => new Promise((resolve) => {
        calls.push(items)
        releases.push(() => resolve(items))
      }),
      schedule: s.schedule,
      maxInFlight: 2,
    })
    const first = [gc.submit(1), gc.submit(2)]
    await s.run()
    const second = [gc.submit(3)]
    await s.run()
    const third = [gc.submit(4)]
    await s.run()
    // Two in flight: the third batch waits for a place.
    expect(calls).toEqual([[1, 2], [3]])
    releases[0]!()
    expect(await Promise.all(first)).toEqual([1, 2])
    await s.run()
    expect(calls).toEqual([[1, 2], [3], [4]])
    releases[1]!()
    releases[2]!()
    expect(await Promise.all([...second, ...third])).toEqual([3, 4])
  })

  it('should report each committed batch with its size and how long it took, and no failed one', async () => {
    const reported: Array<[number, number]> = []
    const s = manualScheduler()
    const gc = createGroupCommit<number, number>({
      commit: async (items) => {
        await new Promise(r => setTimeout(r, 20))
        if (items.includes(0)) throw new Error('refused')
        return items
      },
      schedule: s.schedule,
      onCommitted: (size, ms) => void reported.push([size, ms]),
    })
    const ok = [gc.submit(1), gc.submit(2), gc.submit(3)]
    await s.run()
    await Promise.all(ok)
    const bad = gc.submit(0)
    await s.run()
    await expect(bad).rejects.toThrow('refused')
    expect(reported.map(([size]) => size)).toEqual([3])
    expect(reported[0]![1]).toBeGreaterThanOrEqual(15)
  })
})
