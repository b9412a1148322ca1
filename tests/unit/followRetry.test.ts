import { describe, expect, it } from 'vitest'
import { createFollowRetry } from '../../server/cluster/followRetry'

/** Subscriptions the test confirms or refuses by id, with timers it runs by hand. */
function harness() {
  const timers: Array<{ run: () => void, ms: number }> = []
  const sent: number[] = []
  const read: number[][] = []
  const refusing = new Set<number>()
  const watched = new Set<number>([1, 2, 3])
  const r = createFollowRetry({
    resubscribe: async (id) => {
      sent.push(id)
      return !refusing.has(id)
    },
    wanted: id => watched.has(id),
    confirmed: ids => void read.push(ids),
    setTimer: (run, ms) => void timers.push({ run, ms }),
  })
  /** Runs the one timer waiting, and lets the round finish. */
  const next = async () => {
    timers.shift()!.run()
    await new Promise(resolve => setImmediate(resolve))
  }
  return { r, timers, sent, read, refusing, watched, next }
}

describe('presence subscriptions tried again', () => {
  it('subscribes again after a second those not confirmed, and reads the ones confirmed then', async () => {
    const h = harness()
    h.r.add([1, 2])
    h.r.add([3])
    expect(h.timers.map(t => t.ms)).toEqual([1000])
    await h.next()
    expect(h.sent).toEqual([1, 2, 3])
    expect(h.read).toEqual([[1, 2, 3]])
    expect(h.timers).toEqual([])
  })

  it('keeps trying those still refused, doubling the wait up to 30 s, and starts again at a second', async () => {
    const h = harness()
    h.refusing.add(2)
    h.r.add([1, 2])
    const waits: number[] = []
    for (let i = 0; i < 7; i++) {
      waits.push(h.timers[0]!.ms)
      await h.next()
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000])
    expect(h.read).toEqual([[1]])
    h.refusing.clear()
    await h.next()
    expect(h.read).toEqual([[1], [2]])
    h.r.add([3])
    expect(h.timers.map(t => t.ms)).toEqual([1000])
  })

  it('tries nothing more once the instance left the cluster, not even a round already waiting', async () => {
    const h = harness()
    h.r.add([1])
    h.r.stop()
    await h.next()
    h.r.add([2])
    expect(h.sent).toEqual([])
    expect(h.timers).toEqual([])
  })

  it('forgets those nobody here watches any more', async () => {
    const h = harness()
    h.refusing.add(1)
    h.r.add([1])
    await h.next()
    h.watched.delete(1)
    await h.next()
    expect(h.sent).toEqual([1])
    expect(h.timers).toEqual([])
  })
})
