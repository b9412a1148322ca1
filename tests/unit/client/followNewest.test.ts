import { describe, expect, it } from 'vitest'
import { isAtBottom, onLinesAdded } from '../../../utils/chat/followNewest'

const theirs = { own: false }
const mine = { own: true }

describe('following new lines', () => {
  it('follows a new line when the reader is at the bottom', () => {
    expect(onLinesAdded([theirs], true, 0)).toEqual({ follow: true, unseen: 0 })
  })

  it('leaves a reader who scrolled up where they are and counts what they have not seen', () => {
    expect(onLinesAdded([theirs], false, 0)).toEqual({ follow: false, unseen: 1 })
    expect(onLinesAdded([theirs, theirs], false, 1)).toEqual({ follow: false, unseen: 3 })
  })

  it('always follows the reader\'s own line, and clears the count', () => {
    expect(onLinesAdded([theirs, mine], false, 4)).toEqual({ follow: true, unseen: 0 })
  })

  it('starts a new conversation or its first page at the bottom', () => {
    expect(onLinesAdded(null, false, 5)).toEqual({ follow: true, unseen: 0 })
  })

  it('counts a reader within a few pixels of the bottom as at the bottom', () => {
    expect(isAtBottom({ scrollTop: 500, scrollHeight: 1000, clientHeight: 500 })).toBe(true)
    expect(isAtBottom({ scrollTop: 470, scrollHeight: 1000, clientHeight: 500 })).toBe(true)
    expect(isAtBottom({ scrollTop: 300, scrollHeight: 1000, clientHeight: 500 })).toBe(false)
  })
})
