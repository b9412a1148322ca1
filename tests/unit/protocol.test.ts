import { describe, expect, it } from 'vitest'
import { MAX_CID_LENGTH, MAX_TEXT_LENGTH, encodeFrame, parseClientFrame, parseServerFrame } from '#shared/protocol'
import type { ServerFrame } from '#shared/protocol'

const send = (extra: Record<string, unknown> = {}) => JSON.stringify({ type: 'send', cid: 'c1', to: 2, text: 'hi', ...extra })

describe('client frames', () => {
  it('accepts a ping', () => {
    expect(parseClientFrame('{"type":"ping"}')).toEqual({ ok: true, frame: { type: 'ping' } })
  })

  it('accepts a valid send and keeps only the known fields', () => {
    const parsed = parseClientFrame(send({ from: 99, extra: 'x' }))
    expect(parsed).toEqual({ ok: true, frame: { type: 'send', cid: 'c1', to: 2, text: 'hi' } })
  })

  it('names invalid JSON as bad_json', () => {
    expect(parseClientFrame('{nope')).toMatchObject({ ok: false, code: 'bad_json' })
  })

  it.each([
    ['an array', '[1,2]'],
    ['a string', '"ping"'],
    ['null', 'null'],
    ['a missing type', '{}'],
    ['a numeric type', '{"type":1}'],
  ])('refuses %s as bad_frame', (_, text) => {
    expect(parseClientFrame(text)).toMatchObject({ ok: false, code: 'bad_frame' })
  })

  it('names the unknown type and the expected ones', () => {
    const parsed = parseClientFrame('{"type":"launch"}')
    expect(parsed).toMatchObject({ ok: false, code: 'bad_frame' })
    expect(!parsed.ok && parsed.message).toMatch(/unknown frame type "launch".*ping, resume, send, delivered, read/)
  })

  it.each([
    ['a missing cid', { cid: undefined }, /send\.cid/],
    ['an empty cid', { cid: '' }, /send\.cid/],
    ['an oversized cid', { cid: 'x'.repeat(MAX_CID_LENGTH + 1) }, /send\.cid/],
    ['a string recipient', { to: '2' }, /send\.to/],
    ['a fractional recipient', { to: 2.5 }, /send\.to/],
    ['a negative recipient', { to: -1 }, /send\.to/],
    ['a numeric text', { text: 5 }, /send\.text must be a string/],
    ['a blank text', { text: '   ' }, /must not be empty/],
    ['an over-long text', { text: 'x'.repeat(MAX_TEXT_LENGTH + 1) }, /longer than/],
  ])('refuses a send with %s, naming the field', (_, extra, message) => {
    const parsed = parseClientFrame(send(extra))
    expect(parsed).toMatchObject({ ok: false, code: 'bad_frame' })
    expect(!parsed.ok && parsed.message).toMatch(message)
  })

  it('echoes the cid of a rejected send so the client can mark that message failed', () => {
    expect(parseClientFrame(send({ to: 'x' }))).toMatchObject({ ok: false, cid: 'c1' })
  })

  it('accepts resume from a cursor, zero included', () => {
    expect(parseClientFrame('{"type":"resume","cursor":0}')).toEqual({ ok: true, frame: { type: 'resume', cursor: 0 } })
    expect(parseClientFrame('{"type":"resume","cursor":17}')).toEqual({ ok: true, frame: { type: 'resume', cursor: 17 } })
  })

  it.each([
    ['a missing cursor', '{"type":"resume"}'],
    ['a negative cursor', '{"type":"resume","cursor":-1}'],
    ['a string cursor', '{"type":"resume","cursor":"5"}'],
  ])('refuses a resume with %s', (_, text) => {
    expect(parseClientFrame(text)).toMatchObject({ ok: false, code: 'bad_frame', message: expect.stringMatching(/resume\.cursor/) })
  })

  it('accepts delivered and read receipts', () => {
    expect(parseClientFrame('{"type":"delivered","peer":2,"seq":5}')).toEqual({ ok: true, frame: { type: 'delivered', peer: 2, seq: 5 } })
    expect(parseClientFrame('{"type":"read","peer":2,"seq":5}')).toEqual({ ok: true, frame: { type: 'read', peer: 2, seq: 5 } })
  })

  it.each([
    ['a missing peer', '{"type":"read","seq":5}', /read\.peer/],
    ['a zero seq', '{"type":"delivered","peer":2,"seq":0}', /delivered\.seq/],
  ])('refuses a receipt with %s', (_, text, message) => {
    expect(parseClientFrame(text)).toMatchObject({ ok: false, code: 'bad_frame', message: expect.stringMatching(message) })
  })

  it('accepts a text of exactly the maximum length', () => {
    expect(parseClientFrame(send({ text: 'x'.repeat(MAX_TEXT_LENGTH) })).ok).toBe(true)
  })
})

describe('server frames', () => {
  const user = { id: 1, username: 'alice' }

  it('round-trips every frame type through encodeFrame', () => {
    const frames: ServerFrame[] = [
      { type: 'welcome', user, heartbeat: { intervalMs: 25000, timeoutMs: 10000 }, head: 0 },
      { type: 'pong' },
      { type: 'presence', online: [user], offline: [] },
      { type: 'message', pos: 3, id: 'm1', seq: 1, from: 1, to: 2, text: 'hi', ts: 1 },
      { type: 'message', pos: 4, id: 'm2', seq: 2, from: 2, to: 1, text: 'yo', ts: 2, cid: 'c9' },
      { type: 'receipt', pos: 5, peer: 2, lastSeq: 2, peerDelivered: 2, peerRead: 1, selfRead: 2, unread: 0 },
      { type: 'synced', head: 5 },
      { type: 'ack', cid: 'c1', id: 'm1', seq: 1, ts: 1 },
      { type: 'ack', cid: 'c2', id: 'm2', seq: 2, ts: 1, pos: 7 },
      { type: 'error', code: 'unknown_user', message: 'no', cid: 'c1' },
    ]
    for (const frame of frames) expect(parseServerFrame(encodeFrame(frame))).toEqual({ ok: true, frame })
  })

  it.each([
    ['a welcome without heartbeat', { type: 'welcome', user, online: [], head: 0 }],
    ['a welcome without head', { type: 'welcome', user, online: [], heartbeat: { intervalMs: 1, timeoutMs: 1 } }],
    ['a message without pos', { type: 'message', id: 'm', seq: 1, from: 1, to: 2, text: 'x', ts: 1 }],
    ['a message with seq 0', { type: 'message', pos: 1, id: 'm', seq: 0, from: 1, to: 2, text: 'x', ts: 1 }],
    ['a receipt with a negative count', { type: 'receipt', pos: 1, peer: 2, lastSeq: 0, peerDelivered: -1, peerRead: 0, selfRead: 0, unread: 0 }],
    ['an ack without seq', { type: 'ack', cid: 'c', id: 'm', ts: 1 }],
    ['a presence with a string flag', { type: 'presence', online: 'yes', offline: [] }],
    ['a presence without its offline list', { type: 'presence', online: [user] }],
    ['a message without sender', { type: 'message', pos: 1, id: 'm', seq: 1, to: 2, text: 'x', ts: 1 }],
    ['an error with an unknown code', { type: 'error', code: 'boom', message: 'x' }],
    ['an unknown type', { type: 'surprise' }],
  ])('refuses %s', (_, frame) => {
    expect(parseServerFrame(JSON.stringify(frame)).ok).toBe(false)
  })
})

describe('typing frames', () => {
  it('accepts a view of a person, of a group, and of nothing', () => {
    for (const conv of [2, 'g1a', null]) expect(parseClientFrame(JSON.stringify({ type: 'view', conv }))).toEqual({ ok: true, frame: { type: 'view', conv } })
  })

  it('accepts typing in a person\'s or a group\'s conversation, and its stop', () => {
    expect(parseClientFrame('{"type":"typing","conv":2}')).toEqual({ ok: true, frame: { type: 'typing', conv: 2 } })
    expect(parseClientFrame('{"type":"typing","conv":"g7","stop":true,"from":9}')).toEqual({ ok: true, frame: { type: 'typing', conv: 'g7', stop: true } })
  })

  it.each([
    ['a view without conv', { type: 'view' }, /view\.conv must be a user id, a group id or null/],
    ['a view of id 0', { type: 'view', conv: 0 }, /view\.conv/],
    ['a view of a malformed group', { type: 'view', conv: 'G!' }, /view\.conv/],
    ['typing without conv', { type: 'typing' }, /typing\.conv must be a user id or a group id/],
    ['typing to null', { type: 'typing', conv: null }, /typing\.conv/],
    ['typing to a fraction', { type: 'typing', conv: 1.5 }, /typing\.conv/],
    ['typing with a string stop', { type: 'typing', conv: 2, stop: 'yes' }, /typing\.stop must be true or false/],
  ])('refuses %s as bad_frame, naming the field', (_, frame, message) => {
    const parsed = parseClientFrame(JSON.stringify(frame))
    expect(parsed).toMatchObject({ ok: false, code: 'bad_frame' })
    expect(!parsed.ok && parsed.message).toMatch(message)
  })

  it('reads the typing notice a server sends, for a person and for a group', () => {
    const frames: ServerFrame[] = [
      { type: 'typing', conv: 1, from: 1, username: 'ann' },
      { type: 'typing', conv: 'g1', from: 1, username: 'ann', stop: true },
    ]
    for (const frame of frames) expect(parseServerFrame(encodeFrame(frame))).toEqual({ ok: true, frame })
    expect(parseServerFrame('{"type":"typing","conv":"g1","from":0,"username":"x"}').ok).toBe(false)
  })
})
