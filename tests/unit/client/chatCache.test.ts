import { describe, expect, it } from 'vitest'
import { RECENT_PER_CONVERSATION, createChatCache } from '../../../utils/chat/chatCache'
import { memoryStorage } from '../../support/memoryStorage'

const msg = (seq: number, extra: object = {}) => ({ id: `m${seq}`, seq, from: 2, to: 1, text: `t${seq}`, ts: seq, ...extra })

describe('chat cache', () => {
  it('gives back the cursor, names and recent lines a previous page kept', () => {
    const storage = memoryStorage()
    const first = createChatCache(storage, 1)
    first.saveCursor(7)
    first.saveContacts([{ id: 2, username: 'bob', online: true } as { id: number, username: string }])
    first.saveRecent([{ peer: 2, messages: [msg(1), msg(2, { cid: 'c' })], peerDelivered: 1, peerRead: 0 }])
    const next = createChatCache(storage, 1)
    expect(next.loadCursor()).toBe(7)
    expect(next.loadContacts()).toEqual([{ id: 2, username: 'bob' }])
    expect(next.loadRecent()).toEqual([{ peer: 2, messages: [msg(1), msg(2, { cid: 'c' })], peerDelivered: 1, peerRead: 0 }])
  })

  it('gives back the groups shown, with their names and positions, and drops a corrupt one', () => {
    const storage = memoryStorage()
    createChatCache(storage, 1).saveGroups([{ conv: 'g1', name: 'Trio', seq: 4 }])
    storage.setItem('jizhan.groups.1', JSON.stringify([...JSON.parse(storage.getItem('jizhan.groups.1')!), { conv: 'G!', name: 'x', seq: 1 }]))
    expect(createChatCache(storage, 1).loadGroups()).toEqual([{ conv: 'g1', name: 'Trio', seq: 4 }])
  })

  it('keeps another user\'s data apart', () => {
    const storage = memoryStorage()
    createChatCache(storage, 1).saveCursor(7)
    expect(createChatCache(storage, 2).loadCursor()).toBeNull()
  })

  it('keeps only the newest lines of each conversation', () => {
    const storage = memoryStorage()
    const cache = createChatCache(storage, 1)
    const messages = Array.from({ length: RECENT_PER_CONVERSATION + 5 }, (_, i) => msg(i + 1))
    cache.saveRecent([{ peer: 2, messages, peerDelivered: 0, peerRead: 0 }])
    expect(cache.loadRecent()[0]!.messages.map(m => m.seq)).toEqual(messages.slice(-RECENT_PER_CONVERSATION).map(m => m.seq))
  })

  it('reads missing, unparsable or foreign values as nothing kept', () => {
    const storage = memoryStorage()
    const cache = createChatCache(storage, 1)
    expect([cache.loadCursor(), cache.loadContacts(), cache.loadRecent()]).toEqual([null, [], []])
    storage.setItem('jizhan.cursor.1', '{not json')
    storage.setItem('jizhan.contacts.1', '{"id":2}')
    storage.setItem('jizhan.recent.1', '"text"')
    expect([cache.loadCursor(), cache.loadContacts(), cache.loadRecent()]).toEqual([null, [], []])
    for (const bad of ['-1', '1.5', '"3"', 'null']) {
      storage.setItem('jizhan.cursor.1', bad)
      expect(cache.loadCursor()).toBeNull()
    }
  })

  it('drops corrupt entries of a list and keeps the valid ones', () => {
    const storage = memoryStorage()
    storage.setItem('jizhan.contacts.1', JSON.stringify([{ id: 2, username: 'bob' }, { id: 'x', username: 'eve' }, null, { id: 3 }]))
    storage.setItem('jizhan.recent.1', JSON.stringify([
      { peer: 2, messages: [msg(1), { ...msg(2), seq: 'two' }, { id: 'm3', seq: 3 }], peerDelivered: 'lots' },
      { peer: 'bob', messages: [msg(1)] },
      { peer: 3, messages: 'none' },
    ]))
    const cache = createChatCache(storage, 1)
    expect(cache.loadContacts()).toEqual([{ id: 2, username: 'bob' }])
    expect(cache.loadRecent()).toEqual([{ peer: 2, messages: [msg(1)], peerDelivered: 0, peerRead: 0 }])
  })

  it('works on a full or disabled storage: reads find nothing, writes are dropped', () => {
    const broken = {
      getItem: () => { throw new Error('SecurityError') },
      setItem: () => { throw new Error('QuotaExceededError') },
      removeItem: () => { throw new Error('SecurityError') },
    }
    const cache = createChatCache(broken, 1)
    expect(() => cache.saveCursor(1)).not.toThrow()
    expect(cache.loadCursor()).toBeNull()
    expect(() => cache.forget()).not.toThrow()
  })

  it('forgets everything it kept but leaves the outbox of unsent messages', () => {
    const storage = memoryStorage()
    storage.setItem('jizhan.outbox.1', '[]')
    const cache = createChatCache(storage, 1)
    cache.saveCursor(1)
    cache.saveContacts([{ id: 2, username: 'bob' }])
    cache.saveRecent([{ peer: 2, messages: [msg(1)], peerDelivered: 0, peerRead: 0 }])
    cache.forget()
    expect([...storage.map.keys()]).toEqual(['jizhan.outbox.1'])
  })
})
