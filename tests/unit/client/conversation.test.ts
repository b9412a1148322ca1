import { describe, expect, it } from 'vitest'
import { itemStatus, mergeMessage } from '../../../utils/chat/conversation'
import type { ChatItem } from '../../../utils/chat/conversation'

const msg = (seq: number, extra: Partial<{ cid: string, from: number }> = {}) => ({ id: `m${seq}`, seq, from: 2, to: 1, text: `t${seq}`, ts: seq, ...extra })
const pending = (cid: string): ChatItem => ({ key: cid, cid, from: 1, to: 2, text: cid, ts: 0, pending: 'sending' })

describe('conversation lines', () => {
  it('keeps stored messages in seq order whatever order they arrive in', () => {
    const items: ChatItem[] = []
    for (const seq of [3, 1, 2, 5, 4]) mergeMessage(items, msg(seq))
    expect(items.map(i => i.seq)).toEqual([1, 2, 3, 4, 5])
  })

  it('shows a message once when it arrives twice', () => {
    const items: ChatItem[] = []
    expect(mergeMessage(items, msg(1))).toBe(true)
    expect(mergeMessage(items, msg(1))).toBe(false)
    expect(items).toHaveLength(1)
  })

  it('turns a waiting own line into the stored message with the same cid, placed by its seq', () => {
    const items: ChatItem[] = [pending('a'), pending('b')]
    mergeMessage(items, msg(1))
    mergeMessage(items, msg(2, { cid: 'b', from: 1 }))
    expect(items.map(i => [i.cid ?? i.id, i.seq ?? null])).toEqual([['m1', 1], ['b', 2], ['a', null]])
    expect(items[1]!.pending).toBeUndefined()
  })

  it('keeps unsent lines after every stored one', () => {
    const items: ChatItem[] = [pending('a')]
    mergeMessage(items, msg(7))
    expect(items.map(i => i.seq ?? null)).toEqual([7, null])
  })
})

describe('line status', () => {
  const own = (seq?: number, pendingState?: 'sending' | 'failed'): ChatItem => ({ key: 'k', seq, from: 1, to: 2, text: 'x', ts: 0, pending: pendingState })

  it('goes sending → sent → delivered → read for own lines', () => {
    expect(itemStatus(own(undefined, 'sending'), 1, { peerDelivered: 0, peerRead: 0 })).toBe('sending')
    expect(itemStatus(own(3), 1, { peerDelivered: 2, peerRead: 0 })).toBe('sent')
    expect(itemStatus(own(3), 1, { peerDelivered: 3, peerRead: 2 })).toBe('delivered')
    expect(itemStatus(own(3), 1, { peerDelivered: 5, peerRead: 4 })).toBe('read')
  })

  it('shows failed lines as failed and others\' lines as received', () => {
    expect(itemStatus(own(undefined, 'failed'), 1, { peerDelivered: 9, peerRead: 9 })).toBe('failed')
    expect(itemStatus({ ...own(3), from: 2 }, 1, { peerDelivered: 9, peerRead: 9 })).toBe('received')
  })
})
