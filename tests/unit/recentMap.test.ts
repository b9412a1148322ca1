import { describe, expect, it } from 'vitest'
import { RecentMap } from '../../server/chat/recentMap'

describe('a map of recent entries', () => {
  it('gives back what was set until it lapses', () => {
    const m = new RecentMap<string, number>(10, 1000)
    m.set('a', 1, 0)
    expect(m.get('a', 999)).toBe(1)
    expect(m.get('a', 1000)).toBeUndefined()
    expect(m.size).toBe(0)
  })

  it('keeps at most `max` entries, dropping the oldest first', () => {
    const m = new RecentMap<string, number>(2, 1000)
    m.set('a', 1, 0)
    m.set('b', 2, 1)
    m.set('c', 3, 2)
    expect(m.size).toBe(2)
    expect(m.get('a', 3)).toBeUndefined()
    expect([m.get('b', 3), m.get('c', 3)]).toEqual([2, 3])
  })

  it('counts an entry set again as new: it lapses later and is dropped last', () => {
    const m = new RecentMap<string, number>(2, 1000)
    m.set('a', 1, 0)
    m.set('b', 2, 1)
    m.set('a', 10, 500)
    m.set('c', 3, 600)
    expect(m.get('b', 600)).toBeUndefined()
    expect(m.get('a', 1400)).toBe(10)
  })

  it('drops lapsed entries when a new one is set, even when not full', () => {
    const m = new RecentMap<string, number>(10, 1000)
    m.set('a', 1, 0)
    m.set('b', 2, 100)
    m.set('c', 3, 1050)
    expect(m.size).toBe(2)
  })

  it('forgets a deleted entry', () => {
    const m = new RecentMap<string, number>(10, 1000)
    m.set('a', 1, 0)
    m.delete('a')
    expect(m.get('a', 1)).toBeUndefined()
  })
})
