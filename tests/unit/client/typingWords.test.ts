import { describe, expect, it } from 'vitest'
import { typingWords } from '../../../utils/chat/typingWords'

describe('typing words', () => {
  it('say nothing when nobody types', () => {
    expect(typingWords([])).toBeNull()
  })

  it('name one typist, or two', () => {
    expect(typingWords(['小明'])).toEqual({ key: 'typing.one', params: { name: '小明' } })
    expect(typingWords(['ann', 'ben'])).toEqual({ key: 'typing.two', params: { first: 'ann', second: 'ben' } })
  })

  it('name the first two of more and count the others, for the plural forms', () => {
    expect(typingWords(['ann', 'ben', 'cat'])).toEqual({ key: 'typing.many', params: { first: 'ann', second: 'ben', count: 1, total: 3 }, plural: 1 })
    expect(typingWords(['ann', 'ben', 'cat', 'dan', 'eve'])).toMatchObject({ params: { count: 3, total: 5 }, plural: 3 })
  })
})
