import { describe, expect, it } from 'vitest'
import { OutboxFullError, createOutbox, isGroupEntry } from '../../../utils/chat/outbox'
import { memoryStorage } from '../../support/memoryStorage'

const entry = (cid: string) => ({ cid, to: 2, text: `text ${cid}`, createdAt: 1 })

describe('outbox', () => {
  it('survives a reload: a new outbox on the same storage has the queued entries in order', () => {
    const storage = memoryStorage()
    const first = createOutbox(storage, 'k')
    first.add(entry('a'))
    first.add(entry('b'))
    expect(createOutbox(storage, 'k').list().map(e => e.cid)).toEqual(['a', 'b'])
  })

  it('forgets an entry once acknowledged, and leaves no key behind when empty', () => {
    const storage = memoryStorage()
    const outbox = createOutbox(storage, 'k')
    outbox.add(entry('a'))
    outbox.remove('a')
    expect(outbox.list()).toEqual([])
    expect(storage.map.has('k')).toBe(false)
  })

  it('keeps entries for people and for groups apart, and drops one that is neither', () => {
    const storage = memoryStorage()
    const outbox = createOutbox(storage, 'k')
    outbox.add(entry('a'))
    outbox.add({ cid: 'b', conv: 'g7', text: 'to the group', createdAt: 2 })
    storage.setItem('k', JSON.stringify([...JSON.parse(storage.getItem('k')!), { cid: 'c', conv: 'not a group id', text: 'x', createdAt: 3, state: 'queued' }]))
    const [person, group, ...rest] = createOutbox(storage, 'k').list()
    expect([isGroupEntry(person!), isGroupEntry(group!), rest]).toEqual([false, true, []])
    expect(group).toMatchObject({ cid: 'b', conv: 'g7', state: 'queued' })
  })

  it('keeps a refused entry as failed, with the reason, across a reload', () => {
    const storage = memoryStorage()
    createOutbox(storage, 'k').add(entry('a'))
    createOutbox(storage, 'k').update('a', { state: 'failed', error: 'No user with id 2.' })
    expect(createOutbox(storage, 'k').list()[0]).toMatchObject({ state: 'failed', error: 'No user with id 2.' })
  })

  it('refuses new entries past its bound instead of growing without end', () => {
    const outbox = createOutbox(memoryStorage(), 'k', 2)
    outbox.add(entry('a'))
    outbox.add(entry('b'))
    expect(() => outbox.add(entry('c'))).toThrow(OutboxFullError)
  })

  it('starts empty from corrupt or foreign data instead of failing', () => {
    const storage = memoryStorage()
    storage.setItem('k', '{not json')
    expect(createOutbox(storage, 'k').list()).toEqual([])
    storage.setItem('k', JSON.stringify([{ cid: 1 }, { ...entry('ok'), state: 'queued' }, { ...entry('odd'), state: 'lost' }, { ...entry('nan'), to: 'bob', state: 'queued' }]))
    expect(createOutbox(storage, 'k').list().map(e => e.cid)).toEqual(['ok'])
    storage.setItem('k', JSON.stringify({ cid: 'not a list' }))
    expect(createOutbox(storage, 'k').list()).toEqual([])
  })
})

describe('outbox shared by two tabs', () => {
  it('keeps the other tab\'s newer entries when one tab removes its own', () => {
    const storage = memoryStorage()
    const tabA = createOutbox(storage, 'k')
    const tabB = createOutbox(storage, 'k')
    tabB.add(entry('b1'))
    tabA.add(entry('a1'))
    tabB.remove('b1')
    expect(createOutbox(storage, 'k').list().map(e => e.cid)).toEqual(['a1'])
    expect(tabA.list().map(e => e.cid)).toEqual(['a1'])
  })
})
