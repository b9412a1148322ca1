import { describe, expect, it } from 'vitest'
import { createGroupPositions } from '../../../utils/chat/groupPositions'

describe('group positions', () => {
  it('applies the next seq, ignores one it has, and calls a skipped seq a gap without moving', () => {
    const p = createGroupPositions()
    p.raise('g1', 4)
    expect([p.accept('g1', 5), p.accept('g1', 5), p.accept('g1', 3), p.accept('g1', 7)]).toEqual(['apply', 'ignore', 'ignore', 'gap'])
    expect(p.get('g1')).toBe(5)
  })

  it('starts a group without a position at the first line seen', () => {
    const p = createGroupPositions()
    expect(p.accept('g2', 12)).toBe('apply')
    expect(p.entries()).toEqual([['g2', 12]])
  })

  it('moves past own lines acknowledged ahead of it once the lines before them arrive', () => {
    const p = createGroupPositions()
    p.raise('g1', 2)
    p.acked('g1', 4)
    p.acked('g1', 5)
    expect(p.get('g1')).toBe(2)
    expect(p.accept('g1', 3)).toBe('apply')
    expect(p.get('g1')).toBe(5)
    expect(p.accept('g1', 4)).toBe('ignore') // the server sent the sender its own copy too
    expect(p.accept('g1', 6)).toBe('apply')
  })

  it('only raises, forgets a group left, and starts over on reset', () => {
    const p = createGroupPositions()
    expect(p.raise('g1', 5)).toBe(true)
    expect(p.raise('g1', 3)).toBe(false)
    p.raise('g2', 1)
    p.forget('g1')
    expect(p.entries()).toEqual([['g2', 1]])
    p.reset()
    expect(p.entries()).toEqual([])
  })
})
