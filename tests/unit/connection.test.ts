import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Peer } from 'crossws'
import type { Answer, FrameHandler } from '../../server/socket/connection'
import { PeerConnection } from '../../server/socket/connection'
import { pool } from '../../server/utils/pool'

/**
 * A connection's frames: work starts on arrival once the connection joined, answers run in frame
 * order, and a started piece of work is always answered (its message may already be stored).
 */
const identity = { user: { id: 1, username: 'alice' }, sessionHash: 'session', sessionExpiresAt: Date.now() + 60_000 }
const SEND = JSON.stringify({ type: 'send', cid: 'c1', to: 2, text: 'hello' })

function fakePeer(): Peer {
  return { id: `peer-${Math.random()}`, send: vi.fn(), close: vi.fn(), terminate: vi.fn(), websocket: {} } as unknown as Peer
}

/** A handler whose work the test finishes by hand: `finish()` settles the oldest started one. */
function manualHandler() {
  const pending: Array<(answer: Answer) => void> = []
  const handle = vi.fn<FrameHandler>(() => new Promise<Answer>(resolve => pending.push(resolve)))
  return { handle, finish: (answer: Answer) => pending.shift()!(answer) }
}

/** A gate the test opens: stands for a join still reading the stream head. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>(resolve => (open = resolve))
  return { opened, open }
}

const made: PeerConnection[] = []
function connect(handle: FrameHandler): PeerConnection {
  const conn = new PeerConnection(fakePeer(), identity, handle)
  made.push(conn)
  return conn
}
afterEach(() => {
  for (const conn of made.splice(0)) pool.remove(conn)
})

describe('a connection\'s frames', () => {
  it('answers work that started even when the socket closed before the answer\'s turn', async () => {
    const { handle, finish } = manualHandler()
    const conn = connect(handle)
    pool.add(conn)
    conn.receive(SEND, false)
    expect(handle).toHaveBeenCalledTimes(1)
    // The socket goes (the tab was closed right after sending) while the message is being stored.
    conn.closed = true
    pool.remove(conn)
    const answer = vi.fn()
    finish(answer)
    await conn.idle()
    // The answer relays the stored message to everyone else: it runs.
    expect(answer).toHaveBeenCalledTimes(1)
  })

  it('starts no work for a frame that came before the join, and none at all when the join refuses the socket', async () => {
    const { handle } = manualHandler()
    const conn = connect(handle)
    const join = gate()
    conn.enqueue(async () => {
      await join.opened
      // Refused: its session ended while it was being let in.
      conn.closed = true
    })
    conn.receive(SEND, false)
    expect(handle).not.toHaveBeenCalled()
    join.open()
    await conn.idle()
    expect(handle).not.toHaveBeenCalled()
  })

  it('handles a frame that came before the join at its turn, once the join let the socket in', async () => {
    const { handle, finish } = manualHandler()
    const conn = connect(handle)
    const join = gate()
    conn.enqueue(async () => {
      await join.opened
      pool.add(conn)
    })
    conn.receive(SEND, false)
    expect(handle).not.toHaveBeenCalled()
    join.open()
    await vi.waitFor(() => expect(handle).toHaveBeenCalledTimes(1))
    const answer = vi.fn()
    finish(answer)
    await conn.idle()
    expect(answer).toHaveBeenCalledTimes(1)
  })
})
