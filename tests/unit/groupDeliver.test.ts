import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { GroupCursors } from '../../server/socket/groupCursors'
import { StreamCursor } from '../../server/socket/stream'
import { pool } from '../../server/utils/pool'
import type { Connection } from '../../server/utils/pool'

// A group of members 1–6 (all added by line 1), read from "storage" only when a test answers.
const reads: Array<(error?: Error) => void> = []
const group = { lastSeq: 5, spans: [1, 2, 3, 4, 5, 6].map(userId => ({ userId, joinedSeq: 1, leftSeq: null })) }
vi.mock('../../server/chat/storage/groupReads', () => ({
  deliverySpans: () => new Promise((resolve, reject) => reads.push((error) => {
    if (error) reject(error)
    else resolve(group)
  })),
  lineFor: () => ({}),
  linesAfter: async () => [],
}))
vi.mock('../../server/chat/storage/retention', () => ({ groupTrimmedTo: async () => 0 }))
vi.mock('../../server/infra/log', () => ({ log: { error: () => {} } }))
const forgotten: number[][] = []
vi.mock('../../server/socket/presenceAudience', () => ({
  forgetAudiences: (ids?: number[]) => void forgotten.push(ids ?? []),
}))
const { deliverLineHere } = await import('../../server/chat/groupDeliver')
const { forgetMembers } = await import('../../server/chat/groupMembers')

/** Jobs queued on a connection (catch-ups), by connection id. */
const queued: string[] = []

function fakeConnection(id: number, conv: string | null = 'g1'): Connection & { sent: string[] } {
  const sent: string[] = []
  const groups = new GroupCursors()
  if (conv) groups.follow(conv, 4)
  return {
    id: `c${id}`, user: { id, username: `u${id}` }, sessionHash: 'h', sessionExpiresAt: Infinity, lastSeenAt: 0, closed: false,
    stream: new StreamCursor(), groups, sent, send: text => void sent.push(text),
    close() {}, terminate() {}, enqueue: () => void queued.push(`c${id}`), idle: async () => {}, room: async () => {},
  }
}

const conns = [1, 2, 3, 4].map(id => fakeConnection(id))
for (const c of conns) pool.add(c)
// Members 5 and 6 here in another group, g2; someone else online here, in no group.
const inG2 = [5, 6].map(id => fakeConnection(id, 'g2'))
for (const c of [...inG2, fakeConnection(7, null)]) pool.add(c)
afterEach(() => {
  reads.splice(0)
  forgotten.splice(0)
  queued.splice(0)
})
const settle = () => new Promise(resolve => setTimeout(resolve, 0))
const line = (seq: number, system: boolean, conv = 'g1') => ({ conv, seq, from: 6, system, text: `line ${seq}`, own: `own ${seq}` })

describe('a membership line arriving once per member held here', () => {
  it('reads the members and forgets their audiences once, and gives each member their copy in order', async () => {
    // Copies of membership line 5 for members 1–4 (each on their own channel), then line 6 for them.
    for (const member of [1, 2, 3, 4]) deliverLineHere(line(5, true), undefined, member)
    for (const member of [1, 2, 3, 4]) deliverLineHere(line(6, false), undefined, member)
    expect(reads).toHaveLength(1)
    reads.shift()!()
    await settle()
    expect(forgotten).toEqual([[1, 2, 3, 4, 5, 6]])
    for (const c of conns) expect(c.sent).toEqual(['line 5', 'line 6'])
  })

  it('shares a finished read with a copy that comes later', async () => {
    deliverLineHere(line(7, true), undefined, 1)
    reads.shift()!()
    await settle()
    deliverLineHere(line(7, true), undefined, 2)
    await settle()
    expect(reads).toHaveLength(0)
    expect(forgotten).toHaveLength(1)
    expect(conns[1]!.sent.at(-1)).toBe('line 7')
  })

  it('reads again for the next membership line', async () => {
    deliverLineHere(line(8, true), undefined, 1)
    reads.shift()!()
    await settle()
    deliverLineHere(line(9, true), undefined, 1)
    expect(reads).toHaveLength(1)
    reads.shift()!()
    await settle()
    expect(forgotten).toHaveLength(2)
    expect(conns[0]!.sent.slice(-2)).toEqual(['line 8', 'line 9'])
  })

  it('lets the next copy read again when the shared read failed', async () => {
    deliverLineHere(line(10, true), undefined, 3)
    reads.shift()!(new Error('database gone'))
    await settle()
    deliverLineHere(line(10, true), undefined, 1)
    expect(reads).toHaveLength(1)
    reads.shift()!()
    await settle()
    expect(conns[0]!.sent.at(-1)).toBe('line 10')
  })
})

describe('a line whose members cannot be read', () => {
  beforeEach(() => {
    vi.useFakeTimers()
    forgetMembers()
  })
  afterEach(() => vi.useRealTimers())
  const fail = () => reads.shift()!(new Error('database gone'))

  it('reads them again a second later and then delivers the line', async () => {
    deliverLineHere(line(5, false, 'g2'))
    fail()
    await vi.advanceTimersByTimeAsync(0)
    expect(inG2.map(c => c.sent)).toEqual([[], []])
    await vi.advanceTimersByTimeAsync(1000)
    expect(reads).toHaveLength(1)
    reads.shift()!()
    await vi.advanceTimersByTimeAsync(0)
    expect(inG2.map(c => c.sent.at(-1))).toEqual(['line 5', 'own 5']) // 6 wrote it
  })

  it('keeps reading, waiting longer each time, while the database fails, and reads nothing per socket meanwhile', async () => {
    deliverLineHere(line(6, false, 'g2'))
    for (const wait of [1000, 2000, 4000, 8000, 16000, 30000, 30000]) {
      fail()
      await vi.advanceTimersByTimeAsync(wait - 1)
      expect(reads).toHaveLength(0)
      await vi.advanceTimersByTimeAsync(1)
      expect(reads).toHaveLength(1)
    }
    expect(queued).toEqual([])
    reads.shift()!()
    await vi.advanceTimersByTimeAsync(0)
    expect(inG2.map(c => c.sent.at(-1))).toEqual(['line 6', 'own 6'])
    // Nothing waits any more: no read after the next wait.
    await vi.advanceTimersByTimeAsync(60_000)
    expect(reads).toHaveLength(0)
  })

  it('tries the lines waiting in one group together, with one read, in order', async () => {
    deliverLineHere(line(7, false, 'g2'))
    deliverLineHere(line(8, false, 'g2'), undefined, 5)
    expect(reads).toHaveLength(1) // one read for both
    fail()
    await vi.advanceTimersByTimeAsync(1000)
    expect(reads).toHaveLength(1)
    reads.shift()!()
    await vi.advanceTimersByTimeAsync(0)
    expect(inG2[0]!.sent.slice(-2)).toEqual(['line 7', 'line 8'])
    expect(inG2[1]!.sent.at(-1)).toBe('own 7') // the copy of line 8 was for 5 only
  })
})
