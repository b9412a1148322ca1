import { describe, expect, it } from 'vitest'
import { PresenceEpochs } from '../../server/cluster/epochs'

describe('presence anti-entropy by epoch', () => {
  it('reads nobody again while every change arrives in sequence', () => {
    const e = new PresenceEpochs()
    expect(e.snapshot('a', 3)).toBe(true)
    expect(e.change('a', 4)).toBe(true)
    expect(e.change('a', 5)).toBe(true)
    expect(e.stale(['a'], ['5'])).toEqual([])
  })

  it('reads an instance again when one of its changes was lost', () => {
    const e = new PresenceEpochs()
    e.snapshot('a', 3)
    expect(e.change('a', 5)).toBe(true)
    expect(e.stale(['a'], ['5'])).toEqual(['a'])
    e.snapshot('a', 5)
    expect(e.stale(['a'], ['5'])).toEqual([])
  })

  it('reads an instance again when Redis has a newer epoch than the changes received', () => {
    const e = new PresenceEpochs()
    e.snapshot('a', 3)
    expect(e.stale(['a', 'b'], ['4', '1'])).toEqual(['a', 'b'])
  })

  it('ignores a change that a re-read already contains, and an older announcement', () => {
    const e = new PresenceEpochs()
    e.snapshot('a', 7)
    expect(e.change('a', 7)).toBe(false)
    expect(e.change('a', 6)).toBe(false)
    expect(e.snapshot('a', 6)).toBe(false)
    expect(e.change('a', 8)).toBe(true)
  })

  it('reads every tick an instance that keeps no epoch (an older version), and forgets departed ones', () => {
    const e = new PresenceEpochs()
    expect(e.change('old', undefined)).toBe(true)
    expect(e.stale(['old'], [null])).toEqual(['old'])
    e.snapshot('old', undefined)
    expect(e.stale(['old'], [null])).toEqual(['old'])
    e.forget('old')
    expect(e.stale(['old'], [null])).toEqual(['old'])
  })
})
