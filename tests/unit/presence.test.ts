import { describe, expect, it } from 'vitest'
import { Presence } from '../../server/cluster/presence'

const ann = { id: 1, username: 'ann' }
const bob = { id: 2, username: 'bob' }

describe('presence across instances', () => {
  it('says a user came online only on their first instance', () => {
    const p = new Presence()
    expect(p.add('a', ann)).toBe(true)
    expect(p.add('b', ann)).toBe(false)
    expect(p.add('a', ann)).toBe(false)
    expect(p.onlineUsers()).toEqual([ann])
  })

  it('says a user went offline only when no instance has them', () => {
    const p = new Presence()
    p.add('a', ann)
    p.add('b', ann)
    expect(p.remove('a', 1)).toBeNull()
    expect(p.isOnline(1)).toBe(true)
    expect(p.remove('b', 1)).toEqual(ann)
    expect(p.isOnline(1)).toBe(false)
    expect(p.remove('b', 1)).toBeNull()
  })

  it('drops a crashed instance and reports only the users it alone had', () => {
    const p = new Presence()
    p.add('a', ann)
    p.add('a', bob)
    p.add('b', bob)
    expect(p.dropInstance('a')).toEqual([ann])
    expect(p.onlineUsers()).toEqual([bob])
    expect(p.instances()).toEqual(['b'])
  })

  it('replaces an instance from a snapshot with the users who came and went', () => {
    const p = new Presence()
    p.add('a', ann)
    p.add('b', ann)
    expect(p.replaceInstance('a', [bob])).toEqual({ online: [bob], offline: [] })
    expect(p.replaceInstance('b', [])).toEqual({ online: [], offline: [ann] })
    expect(p.onlineUsers()).toEqual([bob])
  })

  it('hands out copies, so callers cannot change who is online', () => {
    const p = new Presence()
    p.add('a', ann)
    p.onlineUsers()[0]!.username = 'mallory'
    expect(p.onlineUsers()).toEqual([ann])
  })
})
