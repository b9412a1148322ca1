import { afterEach, describe, expect, it, vi } from 'vitest'
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

function fakeConnection(id: number): Connection & { sent: string[] } {
  const sent: string[] = []
  const groups = new GroupCursors()
  groups.follow('g1', 4)
  return {
    id: `c${id}`, user: { id, username: `u${id}` }, sessionHash: 'h', sessionExpiresAt: Infinity, lastSeenAt: 0, closed: false,
    stream: new StreamCursor(), groups, sent, send: text => void sent.push(text),
    close() {}, terminate() {}, enqueue() {}, idle: async () => {}, room: async () => {},
  }
}

const conns = [1, 2, 3, 4].map(fakeConnection)
for (const c of conns) pool.add(c)
afterEach(() => {
  reads.splice(0)
  forgotten.splice(0)
})
const settle = () => new Promise(resolve => setTimeout(resolve, 0))
const line = (seq: number, system: boolean) => ({ conv: 'g1', seq, from: 6, system, text: `line ${seq}`, own: `own ${seq}` })

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
