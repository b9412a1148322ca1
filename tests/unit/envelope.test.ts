import { describe, expect, it } from 'vitest'
import { encodeEnvelope, isOwnEcho, parseEnvelope } from '../../server/cluster/envelope'
import type { Envelope } from '../../server/cluster/envelope'

describe('instance envelopes', () => {
  it('round-trips every kind', () => {
    const all: Envelope[] = [
      { kind: 'events', from: 'i1', events: [{ userId: 1, pos: 2, text: '{"type":"message"}' }] },
      { kind: 'presence', from: 'i1', user: { id: 1, username: 'ann' }, online: true },
      { kind: 'snapshot', from: 'i1', users: [] },
      { kind: 'sessions', from: 'i1', sessions: ['h1'] },
    ]
    for (const e of all) expect(parseEnvelope(encodeEnvelope(e))).toEqual(e)
  })

  it('ignores anything that is not one of ours', () => {
    for (const text of ['', 'hello', '[]', 'null', '{"kind":"events","from":"i1"}', '{"kind":"events","events":[]}',
      '{"kind":"reboot","from":"i1"}', '{"kind":"events","from":"i1","events":[{"userId":0,"pos":1,"text":"x"}]}',
      '{"kind":"presence","from":"i1","user":{"id":1},"online":true}', '{"kind":"sessions","from":"i1","sessions":[1]}']) {
      expect(parseEnvelope(text)).toBeNull()
    }
  })

  it('carries a presence change\'s version and whole audience, and refuses them when they are not counts', () => {
    const e = { kind: 'presence', from: 'i1', user: { id: 1, username: 'ann' }, online: true, instances: ['i1'], v: 1764500000123456, audience: 1000 }
    expect(parseEnvelope(encodeEnvelope(e as Envelope))).toEqual(e)
    expect(parseEnvelope(JSON.stringify({ ...e, audience: 0 }))).toEqual({ ...e, audience: 0 })
    for (const bad of [{ v: 0 }, { v: 1.5 }, { v: '3' }, { audience: -1 }, { audience: 2.5 }]) {
      expect(parseEnvelope(JSON.stringify({ ...e, ...bad }))).toBeNull()
    }
  })

  it('keeps only the fields it knows', () => {
    const e = parseEnvelope('{"kind":"presence","from":"i1","user":{"id":1,"username":"ann","admin":true},"online":false}')
    expect(e).toEqual({ kind: 'presence', from: 'i1', user: { id: 1, username: 'ann' }, online: false })
  })
})

describe('typing envelopes', () => {
  it('round-trip for a person and for a group, and refuse one without a sender', () => {
    const direct: Envelope = { kind: 'typing', from: 'i1', sender: 1, to: 2, text: '{"type":"typing"}' }
    const group: Envelope = { kind: 'typing', from: 'i1', sender: 1, group: 'g1', text: '{"type":"typing"}' }
    for (const e of [direct, group]) expect(parseEnvelope(encodeEnvelope(e))).toEqual(e)
    expect(parseEnvelope('{"kind":"typing","from":"i1","to":2,"text":"x"}')).toBeNull()
  })
})

describe('sessions envelopes', () => {
  it('name the user whose sessions ended (on the cluster channel: every instance forgets them), and still parse without (older versions)', () => {
    const signOut: Envelope = { kind: 'sessions', from: 'i1', sessions: ['h1'], user: 3 }
    expect(parseEnvelope(encodeEnvelope(signOut))).toEqual(signOut)
    expect(parseEnvelope('{"kind":"sessions","from":"i1","sessions":["h1"]}')).toEqual({ kind: 'sessions', from: 'i1', sessions: ['h1'] })
  })
})

describe('sessions envelopes from the operator\'s command line', () => {
  it('round-trip with why and the disabled account, and refuse a why nobody knows', () => {
    const disabled: Envelope = { kind: 'sessions', from: 'admin-1', sessions: ['h1', 'h2'], why: 'account_disabled', user: 7 }
    const revoked: Envelope = { kind: 'sessions', from: 'admin-1', sessions: ['h3'], why: 'session_ended' }
    for (const e of [disabled, revoked]) expect(parseEnvelope(encodeEnvelope(e))).toEqual(e)
    expect(parseEnvelope('{"kind":"sessions","from":"a","sessions":[],"why":"banned"}')).toBeNull()
    expect(parseEnvelope('{"kind":"sessions","from":"a","sessions":[],"user":0}')).toBeNull()
  })
})

describe('own echoes', () => {
  it('start with the kind and the instance, whatever order the envelope was built in', () => {
    const text = encodeEnvelope({ from: 'i1', kind: 'contacts', users: [1] } as unknown as Envelope)
    expect(text).toBe('{"kind":"contacts","from":"i1","users":[1]}')
    expect(encodeEnvelope({ kind: 'resync', from: 'i1' })).toBe('{"kind":"resync","from":"i1"}')
    expect(parseEnvelope(text)).toEqual({ kind: 'contacts', from: 'i1', users: [1] })
  })

  it('are told from the head, without parsing, for every kind but presence', () => {
    const kinds: Envelope[] = [
      { kind: 'events', from: 'i1', events: [] },
      { kind: 'resync', from: 'i1' },
      { kind: 'sessions', from: 'i1', sessions: ['h'], user: 1 },
      { kind: 'typing', from: 'i1', sender: 1, to: 2, text: 'x', for: 2 },
    ]
    for (const e of kinds) {
      expect(isOwnEcho(encodeEnvelope(e), 'i1')).toBe(true)
      expect(isOwnEcho(encodeEnvelope(e), 'i')).toBe(false)
      expect(isOwnEcho(encodeEnvelope(e), 'i10')).toBe(false)
    }
    // A presence change is handled from this instance too (its own watchers learn it this way):
    // neither as encoded here nor as the presence script writes it (redisPresence.ts).
    expect(isOwnEcho(encodeEnvelope({ kind: 'presence', from: 'i1', user: { id: 1, username: 'a' }, online: true }), 'i1')).toBe(false)
    const head = `${JSON.stringify({ kind: 'presence', from: 'i1', user: { id: 1, username: 'a' } }).slice(0, -1)},"online":`
    expect(isOwnEcho(`${head}true,"instances":["i1"]}`, 'i1')).toBe(false)
  })

  it('are never claimed for text of another shape (it goes on to be parsed)', () => {
    for (const text of ['', 'hello', '{"kind":', '{"from":"i1","kind":"events","events":[]}', '{"kind":"events" ,"from":"i1"}', '{"kind":"events","from":"i1\\"}']) {
      expect(isOwnEcho(text, 'i1')).toBe(false)
    }
    // An id with characters JSON escapes is matched as JSON writes it.
    expect(isOwnEcho(encodeEnvelope({ kind: 'resync', from: 'a"b' }), 'a"b')).toBe(true)
  })
})
