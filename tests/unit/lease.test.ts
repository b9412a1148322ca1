import { describe, expect, it } from 'vitest'
import { leaseCandidates, mustAnnounce, provedGone, splitByLease } from '../../server/cluster/lease'

describe('presence lease decisions', () => {
  it('announces again when the lease key was gone (first tick, or it lapsed during an outage)', () => {
    expect(mustAnnounce(null, 0)).toBe(true)
  })

  it('announces again when another instance had removed this one from the set', () => {
    expect(mustAnnounce('1', 1)).toBe(true)
  })

  it('does not announce on an ordinary renewal', () => {
    expect(mustAnnounce('1', 0)).toBe(false)
  })

  it('checks every member and every instance it believes in, once each, never itself', () => {
    expect(leaseCandidates('me', ['a', 'me', 'b'], ['b', 'c'])).toEqual(['a', 'b', 'c'])
  })

  it('counts an instance as gone only when its lease key is missing', () => {
    expect(splitByLease(['a', 'b', 'c'], [1, 0, 1])).toEqual({ live: ['a', 'c'], gone: ['b'] })
  })

  it('counts an instance as gone only when a clean-up removed it or found it removed, not when it failed', () => {
    expect(provedGone('removed')).toBe(true)
    expect(provedGone('absent')).toBe(true)
    expect(provedGone('alive')).toBe(false)
    expect(provedGone(undefined)).toBe(false)
  })
})
