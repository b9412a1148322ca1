import { describe, expect, it } from 'vitest'
import { GroupCursors } from '../../server/socket/groupCursors'

describe('group cursors', () => {
  it('send nothing of a group the socket does not follow', () => {
    const c = new GroupCursors()
    expect(c.live('g1', 1, 'a')).toEqual([])
  })

  it('send the next line at once and drop a repeat', () => {
    const c = new GroupCursors()
    c.follow('g1', 4)
    expect(c.live('g1', 5, 'five')).toEqual(['five'])
    expect(c.live('g1', 5, 'five')).toEqual([])
    expect(c.live('g1', 3, 'three')).toEqual([])
    expect(c.position('g1')).toBe(5)
  })

  it('keep a line that came early until the missing one arrives, then send both in order', () => {
    const c = new GroupCursors()
    c.follow('g1', 0)
    expect(c.live('g1', 2, 'two')).toEqual([])
    expect(c.gaps()).toEqual(['g1'])
    expect(c.live('g1', 1, 'one')).toEqual(['one', 'two'])
    expect(c.gaps()).toEqual([])
  })

  it('move past its own acknowledged line without sending it, even when it came early', () => {
    const c = new GroupCursors()
    c.follow('g1', 0)
    expect(c.live('g1', 2, null)).toEqual([])
    expect(c.live('g1', 3, 'three')).toEqual([])
    expect(c.live('g1', 1, 'one')).toEqual(['one', 'three'])
    expect(c.position('g1')).toBe(3)
  })

  it('fill a gap from storage and then send what waited behind it', () => {
    const c = new GroupCursors()
    c.follow('g1', 0)
    c.live('g1', 3, 'three live')
    expect(c.replay('g1', [{ seq: 1, text: 'one' }, { seq: 2, text: 'two' }])).toEqual(['one', 'two', 'three live'])
    expect(c.replay('g1', [{ seq: 3, text: 'three' }])).toEqual([])
    expect(c.gaps()).toEqual([])
  })

  it('keep its place when told to follow a group it follows, and forget a group it stops following', () => {
    const c = new GroupCursors()
    c.follow('g1', 7)
    c.follow('g1', 2)
    expect(c.position('g1')).toBe(7)
    c.unfollow('g1')
    expect(c.live('g1', 8, 'x')).toEqual([])
    expect(c.groups).toEqual([])
  })

  it('move over lines storage does not return (before the user joined) instead of waiting for them', () => {
    const c = new GroupCursors()
    c.follow('g1', 11)
    expect(c.live('g1', 20, 'twenty')).toEqual([])
    expect(c.replay('g1', [{ seq: 20, text: 'twenty' }, { seq: 21, text: 'twenty-one' }])).toEqual(['twenty', 'twenty-one'])
    expect(c.position('g1')).toBe(21)
    expect(c.gaps()).toEqual([])
  })

  it('follow a group joined again from the new joining line, dropping what waited from before', () => {
    const c = new GroupCursors()
    c.follow('g1', 11)
    c.live('g1', 15, 'old')
    c.rejoin('g1', 19)
    expect(c.live('g1', 20, 'twenty')).toEqual(['twenty'])
    c.rejoin('g1', 5)
    expect(c.position('g1')).toBe(20)
  })

  it('move past lines retention deleted, dropping what waited before them, and only forward', () => {
    const c = new GroupCursors()
    expect(c.trim('g1', 5)).toBe(false) // not followed
    c.follow('g1', 2)
    c.live('g1', 4, 'four')
    c.live('g1', 9, 'nine')
    expect(c.trim('g1', 7)).toBe(true)
    expect(c.position('g1')).toBe(7)
    expect(c.live('g1', 8, 'eight')).toEqual(['eight', 'nine'])
    expect(c.trim('g1', 6)).toBe(false)
    expect(c.gaps()).toEqual([])
  })
})
