import { describe, expect, it } from 'vitest'
import { SERVER_FRAME_TYPES, encodeFrame } from '#shared/protocol'
import { frameTypeReader } from '../../../server/metrics/frameType'

const read = frameTypeReader(SERVER_FRAME_TYPES)

describe('reading a sent frame\'s type from its text', () => {
  it('names every server frame type as encodeFrame writes it', () => {
    for (const type of SERVER_FRAME_TYPES) expect(read(JSON.stringify({ type, pos: 1, text: 'x' }))).toBe(type)
    const ack = { type: 'ack', cid: 'c1', id: '7', seq: 1, ts: 1 } as const
    expect(read(encodeFrame({ ...ack, pos: 3 }))).toBe('ack')
    expect(read(encodeFrame({ type: 'error', code: 'bad_frame', message: 'no' }))).toBe('error')
  })

  it('tells apart names that share a beginning, by the quote that ends the name', () => {
    const r = frameTypeReader(['message', 'messages', 'membership'])
    expect(r('{"type":"messages","a":1}')).toBe('messages')
    expect(r('{"type":"message","a":1}')).toBe('message')
    expect(r('{"type":"membership"}')).toBe('membership')
    expect(r('{"type":"messageX"}')).toBeUndefined()
  })

  it('names nothing for texts that are not frames of the list', () => {
    expect(read('{"type":"nonsense"}')).toBeUndefined()
    expect(read('{"pos":1,"type":"message"}')).toBeUndefined()
    expect(read('hello')).toBeUndefined()
    expect(read('')).toBeUndefined()
    expect(read('{"type":"')).toBeUndefined()
  })
})
