import { describe, expect, it } from 'vitest'
import { isListUrl, queryOf, sameSelection, selectionFromQuery } from '../../../utils/chat/selectionQuery'

describe('the open conversation in the URL', () => {
  it('opens a person by ?with= and a group by ?group=', () => {
    expect(selectionFromQuery({ with: '7' })).toEqual({ peer: 7 })
    expect(selectionFromQuery({ group: 'gabc1' })).toEqual({ group: 'gabc1' })
  })

  it('opens nothing for a missing or malformed value', () => {
    expect(selectionFromQuery({})).toBeNull()
    expect(selectionFromQuery({ with: '0' })).toBeNull()
    expect(selectionFromQuery({ with: '1.5' })).toBeNull()
    expect(selectionFromQuery({ with: ['1', '2'] })).toBeNull()
    expect(selectionFromQuery({ group: 'G!' })).toBeNull()
  })

  it('writes a selection back as query parameters, removing the other kind', () => {
    expect(queryOf({ peer: 7 })).toEqual({ with: '7', group: undefined })
    expect(queryOf({ group: 'gx' })).toEqual({ with: undefined, group: 'gx' })
    expect(queryOf(null)).toEqual({ with: undefined, group: undefined })
    expect(sameSelection(selectionFromQuery({ with: '7' }), { peer: 7 })).toBe(true)
  })

  it('tells a history entry of the list from one of a conversation', () => {
    expect(isListUrl('/', '/')).toBe(true)
    expect(isListUrl('/?lang=en', '/')).toBe(true)
    expect(isListUrl('/?with=3', '/')).toBe(false)
    expect(isListUrl('/settings', '/')).toBe(false)
    expect(isListUrl(null, '/')).toBe(false)
  })
})
