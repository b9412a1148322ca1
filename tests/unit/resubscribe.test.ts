import { describe, expect, it } from 'vitest'
import { chunks, createResubscriber } from '../../server/cluster/resubscribe'
import type { ResubscribeDeps } from '../../server/cluster/resubscribe'

/** A subscriber whose replies the test decides, with timers it runs by hand. */
function harness(channels: string[], overrides: Partial<ResubscribeDeps> = {}) {
  const sent: string[][] = []
  const log: string[] = []
  const timers: Array<{ run: () => void, ms: number }> = []
  let fail = 0
  let up = true
  const r = createResubscriber({
    subscribe: async (c) => {
      sent.push(c)
      if (fail > 0) {
        fail--
        throw new Error('refused')
      }
    },
    channels: () => channels,
    ready: () => up,
    resync: () => log.push('resync'),
    subscribed: () => log.push('subscribed'),
    onError: () => log.push('error'),
    chunk: 2,
    setTimer: (run, ms) => timers.push({ run, ms }),
    clearTimer: () => {},
    ...overrides,
  })
  return { r, sent, log, timers, failNext: (n: number) => (fail = n), down: () => (up = false) }
}

describe('subscribing again after a reconnect', () => {
  it('splits the channels into commands of at most the chunk size, in order', () => {
    expect(chunks(['a', 'b', 'c', 'd', 'e'], 2)).toEqual([['a', 'b'], ['c', 'd'], ['e']])
    expect(chunks([], 1000)).toEqual([])
    expect(chunks(Array.from({ length: 50_000 }, (_, i) => i), 1000)).toHaveLength(50)
  })

  it('sends every channel once, then catches the local sockets up', async () => {
    const h = harness(['relay', 'u:1', 'u:2', 'p:3', 'p:4'])
    await h.r.ready()
    expect(h.sent).toEqual([['relay', 'u:1'], ['u:2', 'p:3'], ['p:4']])
    expect(h.log).toEqual(['subscribed', 'resync'])
  })

  it('catches up even when the subscribe failed, and tries again while the connection is up', async () => {
    const h = harness(['relay', 'u:1'])
    h.failNext(1)
    await h.r.ready()
    expect(h.log).toEqual(['error', 'resync'])
    expect(h.timers.map(t => t.ms)).toEqual([1000])
    h.timers[0]!.run()
    await new Promise(r => setImmediate(r))
    expect(h.sent).toEqual([['relay', 'u:1'], ['relay', 'u:1']])
    // The retry worked: subscribed, and caught up again (envelopes may have been lost meanwhile).
    expect(h.log).toEqual(['error', 'resync', 'subscribed', 'resync'])
  })

  it('backs off while the subscribe keeps failing, and leaves it to the next connection when this one is gone', async () => {
    const h = harness(['relay'])
    h.failNext(3)
    await h.r.ready()
    h.timers[0]!.run()
    await new Promise(r => setImmediate(r))
    expect(h.timers.map(t => t.ms)).toEqual([1000, 2000])
    h.down()
    h.timers[1]!.run()
    await new Promise(r => setImmediate(r))
    expect(h.sent).toHaveLength(2)
  })
})
