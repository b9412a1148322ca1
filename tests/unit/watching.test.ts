import { describe, expect, it } from 'vitest'
import { Watching } from '../../server/cluster/watching'

const ann = { id: 1, username: 'ann' }
const ben = { id: 2, username: 'ben' }

describe('whose presence an instance watches', () => {
  it('follows a contact once however many local users watch them, and stops when the last one leaves', () => {
    const w = new Watching()
    expect(w.watch(10, [1, 2])).toEqual({ added: [1, 2], removed: [], joined: [] })
    expect(w.watch(11, [1])).toEqual({ added: [], removed: [], joined: [1] })
    expect(w.watchersOf(1).sort()).toEqual([10, 11])
    expect(w.unwatch(10)).toEqual([2])
    expect(w.unwatch(11)).toEqual([1])
    expect(w.watched()).toEqual([])
  })

  it('never watches the watcher themselves, and follows a change of contacts', () => {
    const w = new Watching()
    w.watch(10, [10, 1])
    expect(w.watched()).toEqual([1])
    expect(w.watch(10, [2])).toEqual({ added: [2], removed: [1], joined: [] })
  })

  it('reports only changes between online and offline anywhere, from the whole set of instances', () => {
    const w = new Watching()
    w.watch(10, [1])
    expect(w.apply(ann, ['a'])).toBe(true)
    expect(w.apply(ann, ['a', 'b'])).toBeNull()
    expect(w.apply(ann, ['b'])).toBeNull()
    expect(w.apply(ann, [])).toBe(false)
    expect(w.apply(ben, ['a'])).toBeNull()
  })

  it('never applies a state older than the one it holds, whether an envelope or a re-read brings it', () => {
    const w = new Watching()
    w.watch(10, [1])
    expect(w.apply(ann, ['a'], 5)).toBe(true)
    // A re-read that saw version 4 answers after the envelope of version 5: ignored.
    expect(w.apply(ann, [], 4)).toBeNull()
    expect(w.apply(ann, [], 5)).toBeNull()
    expect(w.known(1)).toBe(true)
    expect(w.apply(ann, [], 6)).toBe(false)
  })

  it('takes a first read only when it is newer than an envelope that came first', () => {
    const w = new Watching()
    w.watch(10, [1, 2])
    expect(w.apply(ann, ['a'], 7)).toBe(true)
    expect(w.read(ann, [], 6)).toBeNull()
    expect(w.known(1)).toBe(true)
    expect(w.apply(ben, ['a'], 3)).toBe(true)
    expect(w.read(ben, [], 4)).toBe(false)
  })

  it('reports the state a first read found even when it did not change here, for the watchers to be told', () => {
    const w = new Watching()
    w.watch(10, [1, 2])
    expect(w.read(ann, ['a'], 3)).toBe(true)
    // Offline: told too (their people list may still show them online), once the name is known.
    expect(w.read(ben, [], 3)).toBe(false)
  })

  it('tells nobody of a first read of someone offline whose name it never learnt', () => {
    const w = new Watching()
    w.watch(10, [1])
    expect(w.read({ id: 1, username: '' }, [], 3)).toBeNull()
    expect(w.known(1)).toBeNull()
    expect(w.apply(ann, ['a'], 4)).toBe(true)
  })

  it('keeps the name it knows when a read of someone now offline everywhere has none', () => {
    const w = new Watching()
    w.watch(10, [1])
    w.apply(ann, ['a'], 1)
    expect(w.apply({ id: 1, username: '' }, [], 2)).toBe(false)
    expect(w.userOf(1)).toEqual(ann)
  })

  it('applies an envelope without a version (an older instance) as it comes', () => {
    const w = new Watching()
    w.watch(10, [1])
    w.apply(ann, ['a'], 5)
    expect(w.apply(ann, [])).toBe(false)
    expect(w.apply(ann, ['a'], 6)).toBe(true)
  })

  it('remembers the whole audience a publisher named, until another envelope names it', () => {
    const w = new Watching()
    w.watch(10, [1])
    expect(w.audienceOf(1)).toBeUndefined()
    w.apply(ann, ['a'], 1, 1000)
    w.apply(ann, [], 2)
    expect(w.audienceOf(1)).toBe(1000)
    w.apply(ann, ['a'], 3, 12)
    expect(w.audienceOf(1)).toBe(12)
  })

  it('names the people a new watcher sees whom this instance watched already', () => {
    const w = new Watching()
    expect(w.watch(10, [1, 2])).toEqual({ added: [1, 2], removed: [], joined: [] })
    expect(w.watch(11, [2, 3])).toEqual({ added: [3], removed: [], joined: [2] })
    expect(w.known(2)).toBeNull()
    w.apply(ben, ['a'], 1)
    expect(w.known(2)).toBe(true)
  })

  it('marks offline the watched users who were only on an instance that died', () => {
    const w = new Watching()
    w.watch(10, [1, 2])
    w.apply(ann, ['a'])
    w.apply(ben, ['a', 'b'])
    expect(w.instances().sort()).toEqual(['a', 'b'])
    expect(w.dropInstance('a')).toEqual([ann])
    expect(w.dropInstance('a')).toEqual([])
    expect(w.instances()).toEqual(['b'])
  })

  it('lets a read of the version held repair a local drop, but not an envelope of that version', () => {
    const w = new Watching()
    w.watch(10, [1])
    w.apply(ann, ['a'], 5)
    expect(w.dropInstance('a')).toEqual([ann])
    // A late envelope from before the drop does not bring her back.
    expect(w.apply(ann, ['a'], 5)).toBeNull()
    expect(w.known(1)).toBe(false)
    // Redis still has her on 'a' at that version (the drop was wrong): a read is never older.
    expect(w.read(ann, ['a'], 5)).toBe(true)
    expect(w.read(ann, ['a'], 4)).toBeNull()
    expect(w.apply(ann, ['b'], 6)).toBeNull()
    expect(w.known(1)).toBe(true)
  })

  it('tells the watchers an offline that arrives before the first read, though nothing changed here', () => {
    const w = new Watching()
    w.watch(10, [1, 2])
    // Their people list may show her online: the envelope is the first state they learn.
    expect(w.apply(ann, [], 5)).toBe(false)
    // The first read saw the same version: nothing new to tell.
    expect(w.read(ann, [], 5)).toBeNull()
    // Likewise an envelope saying online before the read, which the read then confirms.
    expect(w.apply(ben, ['a'], 3)).toBe(true)
    expect(w.read(ben, ['a'], 3)).toBeNull()
  })

  it('tells the state of someone offline once their name is learnt, after a read that could not name them', () => {
    const w = new Watching()
    w.watch(10, [1])
    expect(w.read({ id: 1, username: '' }, [], 3)).toBeNull()
    // A later read finds her record (she was online a moment and left again, the envelopes lost).
    expect(w.read(ann, [], 9)).toBe(false)
    expect(w.read(ann, [], 9)).toBeNull()
  })
})
