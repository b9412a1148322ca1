import { describe, expect, it } from 'vitest'
import { emptyBoard, expireTyping, namesIn, nextExpiry, noteTyping, stopTyping } from '../../../utils/chat/typingBoard'

const ann = { id: 1, name: 'ann' }
const ben = { id: 2, name: 'ben' }

describe('typing board', () => {
  it('shows who types in a conversation, in the order they started, each once', () => {
    let board = noteTyping(emptyBoard, 'g1', ann, 0, 6000)
    board = noteTyping(board, 'g1', ben, 100, 6000)
    board = noteTyping(board, 'g1', ann, 200, 6000)
    expect(namesIn(board, 'g1')).toEqual(['ann', 'ben'])
    expect(namesIn(board, 2)).toEqual([])
  })

  it('forgets a typist on their own once their time is up, and a new notice extends it', () => {
    let board = noteTyping(emptyBoard, 2, ann, 0, 6000)
    board = noteTyping(board, 'g1', ben, 1000, 6000)
    expect(nextExpiry(board)).toBe(6000)
    expect(expireTyping(board, 5999)).toBe(board)
    board = expireTyping(board, 6000)
    expect(namesIn(board, 2)).toEqual([])
    expect(namesIn(board, 'g1')).toEqual(['ben'])
    board = noteTyping(board, 'g1', ben, 5000, 6000)
    expect(nextExpiry(expireTyping(board, 7000))).toBe(11_000)
    expect(nextExpiry(expireTyping(board, 11_000))).toBeNull()
  })

  it('clears a typist at once when they stop or their message arrives, and only them', () => {
    let board = noteTyping(emptyBoard, 'g1', ann, 0, 6000)
    board = noteTyping(board, 'g1', ben, 0, 6000)
    board = stopTyping(board, 'g1', 1)
    expect(namesIn(board, 'g1')).toEqual(['ben'])
    expect(stopTyping(board, 'g1', 1)).toBe(board)
    expect(stopTyping(board, 2, 2)).toBe(board)
    expect(stopTyping(board, 'g1', 2).size).toBe(0)
  })

  it('never changes the board it was given (the store replaces it)', () => {
    const before = noteTyping(emptyBoard, 2, ann, 0, 6000)
    noteTyping(before, 2, ben, 0, 6000)
    stopTyping(before, 2, 1)
    expireTyping(before, 10_000)
    expect(namesIn(before, 2)).toEqual(['ann'])
    expect(emptyBoard.size).toBe(0)
  })
})
