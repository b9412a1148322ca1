import { describe, expect, it } from 'vitest'
import { RewatchQueue } from '../../server/socket/rewatchQueue'

describe('the queue of users to watch their contacts again', () => {
  it('hands out at most a batch at a time, each user once', () => {
    const q = new RewatchQueue()
    q.everyone([1, 2, 3, 4, 5])
    q.everyone([2, 3])
    expect(q.take(2)).toEqual([1, 2])
    expect(q.take(2)).toEqual([3, 4])
    expect(q.take(2)).toEqual([5])
    expect(q.take(2)).toEqual([])
    expect(q.size).toBe(0)
  })

  it('puts users a change named before the rest of a resync, and never gives anyone twice', () => {
    const q = new RewatchQueue()
    q.everyone([1, 2, 3, 4])
    q.take(1)
    q.name([4, 9])
    expect(q.size).toBe(4)
    expect(q.take(3)).toEqual([4, 9, 2])
    expect(q.take(3)).toEqual([3])
  })

  it('gives a user named again after their batch once more', () => {
    const q = new RewatchQueue()
    q.name([1])
    expect(q.take(10)).toEqual([1])
    q.name([1])
    expect(q.take(10)).toEqual([1])
  })
})
