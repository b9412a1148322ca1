import { describe, expect, it } from 'vitest'
import { StreamCursor } from '../../server/socket/stream'

const ev = (pos: number) => ({ pos, text: `e${pos}` })

describe('stream cursor', () => {
  it('holds live events until the client resumes', () => {
    const cursor = new StreamCursor()
    expect(cursor.live(1, 'e1')).toEqual([])
    cursor.begin(0)
    expect(cursor.replay([ev(1)])).toEqual(['e1'])
    expect(cursor.finish()).toEqual([])
    expect(cursor.live(2, 'e2')).toEqual(['e2'])
  })

  it('replays only what comes after the cursor, in order', () => {
    const cursor = new StreamCursor()
    cursor.begin(2)
    expect(cursor.replay([ev(1), ev(2), ev(3), ev(4)])).toEqual(['e3', 'e4'])
    expect(cursor.sentPos).toBe(4)
  })

  it('sends held live events after the replay, without those the replay already sent', () => {
    const cursor = new StreamCursor()
    cursor.begin(0)
    cursor.live(3, 'e3') // arrives live while the replay runs
    cursor.live(4, 'e4')
    expect(cursor.replay([ev(1), ev(2), ev(3)])).toEqual(['e1', 'e2', 'e3'])
    expect(cursor.finish()).toEqual(['e4'])
  })

  it('sends held events in stream order whatever order they were held in', () => {
    const cursor = new StreamCursor()
    cursor.begin(0)
    cursor.live(2, 'e2')
    cursor.live(1, 'e1')
    expect(cursor.finish()).toEqual(['e1', 'e2'])
  })

  it('never sends an event twice once live', () => {
    const cursor = new StreamCursor()
    cursor.begin(0)
    cursor.finish()
    expect(cursor.live(1, 'e1')).toEqual(['e1'])
    expect(cursor.live(1, 'e1')).toEqual([])
  })

  it('holds a bounded number of events for a client that never resumes (the database has them all)', () => {
    const cursor = new StreamCursor(3)
    for (let pos = 1; pos <= 10; pos++) cursor.live(pos, `e${pos}`)
    expect(cursor.heldCount).toBe(3)
  })

  it('reports an overflow during a replay, so the replay reads again instead of going live with a hole', () => {
    const cursor = new StreamCursor(2)
    cursor.begin(0)
    expect(cursor.replay([ev(1)])).toEqual(['e1'])
    for (let pos = 2; pos <= 5; pos++) cursor.live(pos, `e${pos}`) // 4 live events, room for 2
    expect(cursor.takeOverflow()).toBe(true)
    expect(cursor.takeOverflow()).toBe(false)
    expect(cursor.replay([ev(2), ev(3), ev(4), ev(5)])).toEqual(['e2', 'e3', 'e4', 'e5'])
    expect(cursor.finish()).toEqual([])
  })

  it('holds live events again during a second resume', () => {
    const cursor = new StreamCursor()
    cursor.begin(0)
    cursor.finish()
    cursor.live(1, 'e1')
    cursor.begin(1)
    expect(cursor.live(2, 'e2')).toEqual([])
    expect(cursor.replay([ev(2)])).toEqual(['e2'])
    expect(cursor.finish()).toEqual([])
  })
})

describe('stream cursor with events from several instances', () => {
  it('keeps events that come ahead of a missing one and sends them all in order when it arrives', () => {
    const cursor = new StreamCursor()
    cursor.begin(0)
    cursor.finish()
    expect(cursor.live(1, 'e1')).toEqual(['e1'])
    expect(cursor.live(3, 'e3')).toEqual([])
    expect(cursor.live(4, 'e4')).toEqual([])
    expect(cursor.hasGap()).toBe(true)
    expect(cursor.live(2, 'e2')).toEqual(['e2', 'e3', 'e4'])
    expect(cursor.hasGap()).toBe(false)
    expect(cursor.live(5, 'e5')).toEqual(['e5'])
  })

  it('reads a gap that stays open from the database, with what came ahead of it after the replay', () => {
    const cursor = new StreamCursor()
    cursor.begin(0)
    cursor.finish()
    expect(cursor.live(1, 'e1')).toEqual(['e1'])
    expect(cursor.live(3, 'e3')).toEqual([])
    expect(cursor.live(5, 'e5')).toEqual([])
    expect(cursor.hasGap()).toBe(true)
    // The caller replays from the database after the last sent position.
    cursor.begin(cursor.sentPos)
    expect(cursor.hasGap()).toBe(false)
    // Everything live was stored first: the database has the lost e4 (and e3, e5 again).
    expect(cursor.replay([ev(2), ev(3), ev(4)])).toEqual(['e2', 'e3', 'e4'])
    expect(cursor.finish()).toEqual(['e5'])
  })

  it('sends a connection its own copy (the ack) even when a replay reads that position from the database', () => {
    const cursor = new StreamCursor()
    cursor.begin(0)
    cursor.finish()
    expect(cursor.live(2, 'ack2', true)).toEqual([])
    cursor.begin(cursor.sentPos)
    expect(cursor.replay([ev(1), ev(2), ev(3)])).toEqual(['e1', 'ack2', 'e3'])
    expect(cursor.finish()).toEqual([])
  })

  it('still sends a connection its ack when a replay sent that position (the plain copy) before the ack\'s turn', () => {
    const cursor = new StreamCursor()
    cursor.begin(0)
    cursor.finish()
    // A resume queued ahead of a send: the send committed first, so the replay read its position.
    cursor.begin(0)
    expect(cursor.replay([ev(1), ev(2)])).toEqual(['e1', 'e2'])
    expect(cursor.finish()).toEqual([])
    // The send's answer: its ack goes out after all; nothing else is sent twice.
    expect(cursor.live(2, 'ack2', true)).toEqual(['ack2'])
    expect(cursor.live(2, 'e2')).toEqual([])
    expect(cursor.live(3, 'e3')).toEqual(['e3'])
  })

  it('reports whether a resume ever began', () => {
    const cursor = new StreamCursor()
    expect(cursor.started).toBe(false)
    cursor.begin(0)
    expect(cursor.started).toBe(true)
  })

  it('goes on after the positions retention deleted, then sends what follows and the held events once', () => {
    const cursor = new StreamCursor()
    cursor.begin(2)
    cursor.live(9, 'e9')
    expect(cursor.trim(6)).toBe(true)
    expect(cursor.sentPos).toBe(6)
    expect(cursor.replay([ev(7), ev(8), ev(9)])).toEqual(['e7', 'e8', 'e9'])
    expect(cursor.finish()).toEqual([])
    expect(cursor.trim(5)).toBe(false)
    expect(cursor.trim(9)).toBe(false)
  })
})
