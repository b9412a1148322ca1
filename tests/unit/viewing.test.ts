import { describe, expect, it } from 'vitest'
import { Viewers } from '../../server/socket/viewing'

describe('viewers', () => {
  it('knows which conversation each socket shows, and which sockets show a conversation', () => {
    const viewers = new Viewers<string>()
    viewers.set('s1', 2)
    viewers.set('s2', 2)
    viewers.set('s3', 'g1')
    expect(viewers.viewing('s1')).toBe(2)
    expect([...viewers.of(2)]).toEqual(['s1', 's2'])
    expect([...viewers.of('g1')]).toEqual(['s3'])
    expect([...viewers.of(3)]).toEqual([])
  })

  it('moves a socket that shows another conversation, and forgets one that shows none or closed', () => {
    const viewers = new Viewers<string>()
    viewers.set('s1', 2)
    viewers.set('s1', 'g1')
    expect([...viewers.of(2)]).toEqual([])
    expect([...viewers.of('g1')]).toEqual(['s1'])
    viewers.set('s1', null)
    expect(viewers.viewing('s1')).toBeNull()
    expect(viewers.size).toBe(0)
    viewers.set('s2', 5)
    viewers.remove('s2')
    viewers.remove('s2')
    expect([...viewers.of(5)]).toEqual([])
    expect(viewers.size).toBe(0)
  })

  it('keeps a person\'s id and a group\'s id apart', () => {
    const viewers = new Viewers<string>()
    viewers.set('s1', 7)
    expect([...viewers.of('7')]).toEqual([])
  })
})
