import { describe, expect, it, vi } from 'vitest'

const reads: Array<(head: number) => void> = []
vi.mock('../../server/chat/storage/reads', () => ({
  streamHead: () => new Promise<number>(resolve => reads.push(resolve)),
}))
const { forgetHead, headOf, noteEvent } = await import('../../server/chat/heads')

describe('cached stream heads', () => {
  it('reads a head once and then follows the events delivered here', async () => {
    const first = headOf(1)
    const second = headOf(1)
    expect(reads).toHaveLength(1)
    reads.shift()!(5)
    expect([await first, await second]).toEqual([5, 5])
    noteEvent(1, 6)
    expect(await headOf(1)).toBe(6)
    expect(reads).toHaveLength(0)
  })

  it('counts an event delivered while the head was being read, whose commit the read missed', async () => {
    const head = headOf(2)
    noteEvent(2, 8) // committed and delivered after the read began
    reads.shift()!(7) // the read saw the database just before that commit
    expect(await head).toBe(8)
  })

  it('reads again after the last socket of the user here closed', async () => {
    forgetHead(1)
    const again = headOf(1)
    expect(reads).toHaveLength(1)
    reads.shift()!(9)
    expect(await again).toBe(9)
  })
})
