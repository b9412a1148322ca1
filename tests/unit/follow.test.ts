import { afterEach, describe, expect, it, vi } from 'vitest'
import { FOLLOW_WAIT_MS, createFollowing } from '../../server/cluster/follow'

/**
 * A Redis subscriber stand-in: each SUBSCRIBE / UNSUBSCRIBE is recorded in the order sent, and a
 * SUBSCRIBE waits for the test to confirm or refuse it (`reply`), unless `autoConfirm`.
 */
function fakeSubscriber(status = 'ready', autoConfirm = true) {
  const sent: string[] = []
  const pending: Array<{ channel: string, confirm: () => void, refuse: (error: Error) => void }> = []
  return {
    sent,
    status,
    subscribe(...channels: string[]) {
      sent.push(`+${channels.join(',')}`)
      if (autoConfirm) return Promise.resolve(1)
      return new Promise<void>((confirm, refuse) => pending.push({ channel: channels.join(','), confirm, refuse }))
    },
    unsubscribe: async (...channels: string[]) => void sent.push(`-${channels.join(',')}`),
    /** The oldest SUBSCRIBE still waiting for its reply. */
    reply: () => pending.shift()!,
  }
}

/** Lets every settled promise run its callbacks. */
const flush = () => new Promise(resolve => setImmediate(resolve))

afterEach(() => {
  vi.useRealTimers()
})

describe('following users\' channels', () => {
  it('subscribes once per user however many sockets follow, and unsubscribes once', async () => {
    const sub = fakeSubscriber()
    const following = createFollowing(sub, id => `u:${id}`, () => {})
    expect(await following.follow(7)).toBe(true)
    expect(await following.follow(7)).toBe(true)
    expect(following.channels()).toEqual(['u:7'])
    following.unfollow(7)
    following.unfollow(7)
    expect(sub.sent).toEqual(['+u:7', '-u:7'])
    expect(following.channels()).toEqual([])
  })

  it('lists every channel followed now, for the re-subscribe after a reconnect', async () => {
    const following = createFollowing(fakeSubscriber(), id => `p:u:${id}`, () => {})
    await Promise.all([following.follow(1), following.follow(2), following.follow(3)])
    following.unfollow(2)
    expect(following.channels()).toEqual(['p:u:1', 'p:u:3'])
  })

  it('resolves only once Redis confirmed the subscription', async () => {
    const sub = fakeSubscriber('ready', false)
    const following = createFollowing(sub, id => `u:${id}`, () => {})
    let result: boolean | undefined
    void following.follow(1).then(r => (result = r))
    await flush()
    expect(result).toBeUndefined()
    sub.reply().confirm()
    await flush()
    expect(result).toBe(true)
  })

  it('does not hold a welcome while the subscriber is disconnected (the reconnect catches up)', async () => {
    const sub = fakeSubscriber('reconnecting', false)
    const following = createFollowing(sub, id => `u:${id}`, () => {})
    await expect(following.follow(1)).resolves.toBe(true)
    expect(following.channels()).toEqual(['u:1'])
  })

  it('reports a subscription Redis does not confirm in time, once however many sockets waited for it', async () => {
    vi.useFakeTimers()
    const sub = fakeSubscriber('ready', false)
    const errors: unknown[] = []
    const following = createFollowing(sub, id => `u:${id}`, e => errors.push(e))
    const waits = [following.follow(4), following.follow(4)]
    await vi.advanceTimersByTimeAsync(FOLLOW_WAIT_MS - 1)
    expect(errors).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(await Promise.all(waits)).toEqual([false, false])
    expect(errors).toHaveLength(1)
    expect(String(errors[0])).toMatch(/u:4 not confirmed within 5000 ms/)
    // Still followed: the reply may yet come, and the last socket's leave unsubscribes.
    expect(following.channels()).toEqual(['u:4'])
    expect(sub.sent).toEqual(['+u:4'])
  })

  it('says a SUBSCRIBE is late once, so a hung connection can be made to reconnect; not when it was confirmed in time', async () => {
    vi.useFakeTimers()
    const sub = fakeSubscriber('ready', false)
    let late = 0
    const following = createFollowing(sub, id => `u:${id}`, () => {}, () => void late++)
    const waits = [following.follow(8), following.follow(8)]
    const inTime = following.follow(9)
    sub.reply()
    sub.reply().confirm()
    expect(await inTime).toBe(true)
    await vi.advanceTimersByTimeAsync(FOLLOW_WAIT_MS)
    expect(await Promise.all(waits)).toEqual([false, false])
    expect(late).toBe(1)
  })

  it('reports a subscription Redis refused, and subscribes again for the next socket', async () => {
    const sub = fakeSubscriber('ready', false)
    const errors: unknown[] = []
    const following = createFollowing(sub, id => `u:${id}`, e => errors.push(e))
    const first = following.follow(5)
    sub.reply().refuse(new Error('NOPERM'))
    expect(await first).toBe(false)
    expect(errors).toEqual([new Error('NOPERM')])
    // Kept meanwhile, so a reconnect of the subscriber would subscribe it again.
    expect(following.channels()).toEqual(['u:5'])
    const second = following.follow(5)
    sub.reply().confirm()
    expect(await second).toBe(true)
    expect(sub.sent).toEqual(['+u:5', '+u:5'])
  })

  it('subscribes again for a user who comes back while the first subscription is still on its way', async () => {
    const sub = fakeSubscriber('ready', false)
    const following = createFollowing(sub, id => `u:${id}`, () => {})
    const first = following.follow(6)
    following.unfollow(6)
    const again = following.follow(6)
    // Redis runs them in this order on the one connection: subscribed at the end.
    expect(sub.sent).toEqual(['+u:6', '-u:6', '+u:6'])
    expect(following.channels()).toEqual(['u:6'])
    sub.reply().confirm()
    expect(await first).toBe(true)
    // The second socket waits for its own SUBSCRIBE, not the first one's reply.
    let result: boolean | undefined
    void again.then(r => (result = r))
    await flush()
    expect(result).toBeUndefined()
    sub.reply().confirm()
    expect(await again).toBe(true)
  })
})
