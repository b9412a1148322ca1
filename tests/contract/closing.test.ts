import { describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { httpUrl, setupBuiltServer, wsUrl } from '../support/server'
import { connectSynced, wsConnect } from '../support/wsClient'
import type { Frame, WsClient } from '../support/wsClient'

await setupBuiltServer()

/** Every frame of `type` that arrives until `quietMs` pass without one. */
async function framesUntilQuiet(client: WsClient, type: string, quietMs = 1000): Promise<Frame[]> {
  const frames: Frame[] = []
  for (;;) {
    try {
      frames.push(await client.next(type, quietMs))
    }
    catch {
      return frames
    }
  }
}

describe('a socket that closes while its frames are being stored', () => {
  it('relays every message it stored: the recipient gets each one live, exactly once', async () => {
    const [alice, bob] = await Promise.all([registerUser(httpUrl('/')), registerUser(httpUrl('/'))])
    const { client: bobTab } = await connectSynced(wsUrl(), bob.cookie)
    const aliceTab = await wsConnect(wsUrl(), { cookie: alice.cookie })
    await aliceTab.next('welcome')
    // A burst, and the tab closes at once (its close frame follows the sends in the same write).
    for (let i = 0; i < 40; i++) aliceTab.send({ type: 'send', cid: `m${i}`, to: bob.id, text: `m${i}` })
    aliceTab.close()
    await aliceTab.closed

    const live = (await framesUntilQuiet(bobTab, 'message')).map(f => f.id)
    const res = await fetch(httpUrl(`/api/conversations/${alice.id}/messages?limit=100`), { headers: { cookie: bob.cookie } })
    const stored = ((await res.json()) as { messages: Array<{ id: string }> }).messages.map(m => m.id)
    // The writes went on after the close: what was stored was acknowledged by the database, and
    // every one of those reached the recipient live, once.
    expect(stored.length).toBeGreaterThan(0)
    expect(live).toEqual(stored)
    bobTab.close()
  })
})
