import { describe, expect, it } from 'vitest'
import { createStreamCursor } from '../../../utils/chat/streamCursor'

function welcomed(stored: number | null, head: number) {
  const cursor = createStreamCursor()
  cursor.welcome(stored, head)
  return cursor
}

describe('client stream cursor', () => {
  it('ignores events until a link was welcomed', () => {
    const cursor = createStreamCursor()
    expect(cursor.accept(1)).toBe('ignore')
    expect(cursor.resumeFrom()).toBeNull()
  })

  it('starts a first visit at the head: what came before is history', () => {
    expect(welcomed(null, 7).pos).toBe(7)
  })

  it('continues from the position an earlier page stored', () => {
    expect(welcomed(3, 7).pos).toBe(3)
  })

  it('drops a stored position past the head (the server was reset)', () => {
    expect(welcomed(9, 4).pos).toBe(4)
  })

  it('keeps its own position over the stored one on a reconnect', () => {
    const cursor = welcomed(null, 2)
    cursor.accept(3)
    cursor.welcome(1, 5)
    expect(cursor.pos).toBe(3)
  })

  it('applies events in order, once each', () => {
    const cursor = welcomed(null, 0)
    expect([1, 2, 2, 1, 3].map(pos => cursor.accept(pos))).toEqual(['apply', 'apply', 'ignore', 'ignore', 'apply'])
    expect(cursor.pos).toBe(3)
  })

  it('reports a gap without moving, so the stream is resumed from the last applied event', () => {
    const cursor = welcomed(null, 2)
    expect(cursor.accept(5)).toBe('gap')
    expect(cursor.pos).toBe(2)
    expect(cursor.resumeFrom()).toBe(2)
  })

  it('asks for one resume at a time, and again once the replay caught up', () => {
    const cursor = welcomed(null, 0)
    expect(cursor.resumeFrom()).toBe(0)
    cursor.resumeSent()
    expect(cursor.accept(2)).toBe('gap')
    expect(cursor.resumeFrom()).toBeNull()
    cursor.accept(1)
    cursor.resumeDone()
    expect(cursor.resumeFrom()).toBe(1)
  })

  it('forgets a resume sent on a lost link when the next link is welcomed', () => {
    const cursor = welcomed(null, 0)
    cursor.resumeSent()
    cursor.welcome(null, 0)
    expect(cursor.resumeFrom()).toBe(0)
  })

  it('starts over after a reset (another user on this page)', () => {
    const cursor = welcomed(null, 4)
    cursor.reset()
    expect(cursor.pos).toBeNull()
    cursor.welcome(null, 1)
    expect(cursor.pos).toBe(1)
  })

  it('moves past positions the server deleted without calling it a gap, and only forward', () => {
    const cursor = welcomed(3, 20)
    expect(cursor.trim(10)).toBe(true)
    expect(cursor.pos).toBe(10)
    expect(cursor.accept(11)).toBe('apply')
    expect(cursor.trim(8)).toBe(false)
    expect(cursor.pos).toBe(11)
    expect(createStreamCursor().trim(5)).toBe(false) // not welcomed yet
  })
})
