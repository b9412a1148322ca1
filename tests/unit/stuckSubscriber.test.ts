import { describe, expect, it } from 'vitest'
import { RECONNECT_GAP_MS, createStuckSubscriber } from '../../server/cluster/stuckSubscriber'

/** A stuck-subscriber watch on a clock the test moves; timers run when the test says. */
function setUp() {
  const clock = { now: 1_000_000 }
  let reconnects = 0
  const timers = new Map<number, { run: () => void, at: number }>()
  let ids = 0
  const watch = createStuckSubscriber({
    reconnect: () => void reconnects++,
    now: () => clock.now,
    setTimer: (run, ms) => {
      timers.set(++ids, { run, at: clock.now + ms })
      return ids
    },
    clearTimer: id => void timers.delete(id as number),
  })
  /** Moves the clock, running the timers that come due. */
  const advance = (ms: number) => {
    clock.now += ms
    for (const [id, t] of [...timers]) {
      if (t.at > clock.now) continue
      timers.delete(id)
      t.run()
    }
  }
  return { watch, advance, timers, reconnects: () => reconnects }
}

describe('a subscriber that does not confirm subscriptions', () => {
  it('is made to reconnect at once when a SUBSCRIBE is late, and is overdue until it is ready again', () => {
    const { watch, reconnects } = setUp()
    expect(watch.overdue).toBe(false)
    watch.late()
    expect(reconnects()).toBe(1)
    expect(watch.overdue).toBe(true)
    watch.ready()
    expect(watch.overdue).toBe(false)
  })

  it('reconnects at most once per 30 s, and a late SUBSCRIBE meanwhile waits for the gap instead of being dropped', () => {
    const { watch, advance, reconnects } = setUp()
    watch.late()
    watch.ready()
    advance(1000)
    watch.late()
    watch.late()
    expect(reconnects()).toBe(1)
    expect(watch.overdue).toBe(true)
    advance(RECONNECT_GAP_MS - 1001)
    expect(reconnects()).toBe(1)
    advance(1)
    expect(reconnects()).toBe(2)
  })

  it('does not reconnect once the connection is new again, nor after stopping', () => {
    const { watch, advance, timers, reconnects } = setUp()
    watch.late()
    advance(1000)
    watch.late()
    watch.ready()
    expect(timers.size).toBe(0)
    watch.late()
    watch.stop()
    advance(RECONNECT_GAP_MS)
    expect(reconnects()).toBe(1)
  })
})
