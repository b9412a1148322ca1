import { describe, expect, it } from 'vitest'
import { registerUser } from '../support/accounts'
import { httpUrl, setupBuiltServer, wsUrl } from '../support/server'
import { wsConnect } from '../support/wsClient'
import type { Frame, WsClient } from '../support/wsClient'

// A store queue of one message: a burst from several people at once overflows it.
await setupBuiltServer({ NUXT_STORE_QUEUE_MAX: '1' })

/** The answer to a send (its ack or error), skipping presence frames. */
async function answerOf(c: WsClient): Promise<Frame> {
  for (;;) {
    const frame = await c.next(undefined, 5000)
    if (frame.type === 'ack' || frame.type === 'error') return frame
  }
}

describe('a full store queue', () => {
  it('answers busy (with the cid) instead of queueing without bound, and loses nothing when the client sends again', async () => {
    const reader = await registerUser(httpUrl('/'))
    const senders = await Promise.all(Array.from({ length: 12 }, () => registerUser(httpUrl('/'))))
    const clients = await Promise.all(senders.map(async (s) => {
      const c = await wsConnect(wsUrl(), { cookie: s.cookie })
      await c.next('welcome')
      return c
    }))
    for (const [i, c] of clients.entries()) c.send({ type: 'send', cid: `m${i}`, to: reader.id, text: `hello ${i}` })
    const answers = await Promise.all(clients.map(answerOf))
    const busy = answers.filter(a => a.type === 'error')
    expect(busy.length).toBeGreaterThan(0)
    for (const b of busy) expect(b).toMatchObject({ code: 'busy', cid: expect.stringMatching(/^m\d+$/) })

    // A client sends again what was refused, as the browser's outbox does, until it is acknowledged.
    const acked = new Set(answers.filter(a => a.type === 'ack').map(a => a.cid as string))
    for (let round = 0; round < 20 && acked.size < clients.length; round++) {
      await new Promise(r => setTimeout(r, 50))
      const retry = clients.map((c, i) => [c, i] as const).filter(([, i]) => !acked.has(`m${i}`))
      for (const [c, i] of retry) c.send({ type: 'send', cid: `m${i}`, to: reader.id, text: `hello ${i}` })
      for (const [c] of retry) {
        const answer = await answerOf(c)
        if (answer.type === 'ack') acked.add(answer.cid as string)
      }
    }
    expect(acked.size).toBe(clients.length)
    const res = await fetch(httpUrl('/api/conversations'), { headers: { cookie: reader.cookie } })
    const { conversations } = await res.json() as { conversations: Array<{ lastSeq: number }> }
    // Every message stored exactly once: one conversation each, one message in it.
    expect(conversations.map(c => c.lastSeq)).toEqual(Array(clients.length).fill(1))
    for (const c of clients) c.close()
  })

  it('refuses receipts beyond it too (busy, without cid), and records the next receipt that finds room', async () => {
    const reader = await registerUser(httpUrl('/'))
    const writers = await Promise.all(Array.from({ length: 12 }, () => registerUser(httpUrl('/'))))
    // One message from each, stored one at a time (the queue holds one).
    for (const [i, w] of writers.entries()) {
      const c = await wsConnect(wsUrl(), { cookie: w.cookie })
      await c.next('welcome')
      c.send({ type: 'send', cid: `r${i}`, to: reader.id, text: `hello ${i}` })
      expect(await answerOf(c)).toMatchObject({ type: 'ack' })
      c.close()
    }
    // The reader's tabs read all twelve conversations at once.
    const tabs = await Promise.all(Array.from({ length: 4 }, async () => {
      const c = await wsConnect(wsUrl(), { cookie: reader.cookie })
      await c.next('welcome')
      c.keepAlive()
      return c
    }))
    for (const tab of tabs) for (const w of writers) tab.send({ type: 'read', peer: w.id, seq: 1 })
    const busy: Frame[] = []
    for (const tab of tabs) {
      for (;;) {
        try {
          busy.push(await tab.next('error', 500))
        }
        catch {
          break
        }
      }
    }
    expect(busy.length).toBeGreaterThan(0)
    for (const b of busy) expect(b).toMatchObject({ code: 'busy' })
    for (const b of busy) expect(b).not.toHaveProperty('cid')

    // Receipts are cumulative: sent again one at a time (the answer to a ping follows the
    // receipt's), each one is recorded.
    for (const tab of tabs) tab.close()
    const tab = await wsConnect(wsUrl(), { cookie: reader.cookie })
    await tab.next('welcome')
    for (const w of writers) {
      tab.send({ type: 'read', peer: w.id, seq: 1 })
      tab.send({ type: 'ping' })
      await tab.next('pong')
    }
    await expect(tab.next('error', 200)).rejects.toThrow(/no error/)
    const res = await fetch(httpUrl('/api/conversations'), { headers: { cookie: reader.cookie } })
    const { conversations } = await res.json() as { conversations: Array<{ unread: number }> }
    expect(conversations.map(c => c.unread)).toEqual(Array(writers.length).fill(0))
    tab.close()
  })
})
