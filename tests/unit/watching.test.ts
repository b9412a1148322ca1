import { describe, expect, it } from 'vitest'
import { Watching } from '../../server/cluster/watching'

const ann = { id: 1, username: 'ann' }
const ben = { id: 2, username: 'ben' }

describe('whose presence an instance watches', () => {
  it('follows a contact once however many local users watch them, and stops when the last one leaves', () => {
    const w = new Watching()
    expect(w.watch(10, [1, 2])).toEqual({ added: [1, 2], removed: [] })
    expect(w.watch(11, [1])).toEqual({ added: [], removed: [] })
    expect(w.watchersOf(1).sort()).toEqual([10, 11])
    expect(w.unwatch(10)).toEqual([2])
    expect(w.unwatch(11)).toEqual([1])
    expect(w.watched()).toEqual([])
  })

  it('never watches the watcher themselves, and follows a change of contacts', () => {
    const w = new Watching()
    w.watch(10, [10, 1])
    expect(w.watched()).toEqual([1])
    expect(w.watch(10, [2])).toEqual({ added: [2], removed: [1] })
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

  it('takes a first read from Redis only when no envelope came first, and a forced re-read always', () => {
    const w = new Watching()
    w.watch(10, [1, 2])
    expect(w.apply(ann, [])).toBeNull()
    expect(w.seed(ann, ['a'])).toBeNull()
    expect(w.seed(ben, ['a'])).toBe(true)
    expect(w.seed(ann, ['a'], true)).toBe(true)
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
})
