import type { SystemEvent, GroupMember } from '#shared/protocol'
import { describe, expect, it } from 'vitest'
import { byActivity } from '../../../utils/chat/conversationList'
import type { ListEntry } from '../../../utils/chat/conversationList'
import { groupItemStatus, membersAfter, mergeGroupMessage, may, readCounter, readersOf } from '../../../utils/chat/groupLines'
import type { GroupItem } from '../../../utils/chat/groupLines'
import { systemText } from '../../../utils/i18n/phrases'
import { translator } from '../../support/i18n'

const m = (id: number, username: string, read: number, role: GroupMember['role'] = 'member', joinedSeq = 0): GroupMember => ({ id, username, role, joinedSeq, delivered: read, read, online: false })
const members = [m(1, 'alice', 9, 'owner'), m(2, 'bob', 5, 'admin'), m(3, 'carol', 4)]

describe('group lines', () => {
  it('merge in seq order once, and an own waiting line becomes the stored one', () => {
    const items: GroupItem[] = [{ key: 'c1', cid: 'c1', from: 1, text: 'mine', ts: 5, pending: 'sending' }]
    expect(mergeGroupMessage(items, { conv: 'g1', id: 'x3', seq: 3, from: 2, text: 'three', ts: 3 })).toBe(true)
    expect(mergeGroupMessage(items, { conv: 'g1', id: 'x1', seq: 1, from: 2, text: '', ts: 1, system: { event: 'created', name: 'G' } })).toBe(true)
    expect(mergeGroupMessage(items, { conv: 'g1', id: 'x3', seq: 3, from: 2, text: 'three', ts: 3 })).toBe(false)
    expect(mergeGroupMessage(items, { conv: 'g1', id: 'x4', seq: 4, from: 1, text: 'mine', ts: 4, cid: 'c1' })).toBe(true)
    expect(items.map(i => [i.seq, i.pending, i.system?.event])).toEqual([[1, undefined, 'created'], [3, undefined, undefined], [4, undefined, undefined]])
  })

  it('count as read by the members other than the sender whose read position reached them', () => {
    expect(readersOf(members, { seq: 5, from: 1 }).map(r => r.username)).toEqual(['bob'])
    expect(readersOf(members, { seq: 4, from: 3 }).map(r => r.username)).toEqual(['alice', 'bob'])
    expect(readersOf(members, { from: 1 })).toEqual([])
    const count = readCounter(members, 1)
    expect([count(1), count(4), count(5), count(6)]).toEqual([2, 2, 1, 0])
    expect(groupItemStatus({ key: 'a', seq: 5, from: 1, text: 'x', ts: 0 }, 1, 1)).toBe('read')
    // Someone added after a line (their read position starts at their joining) did not read it.
    const withDave = [...members, m(4, 'dave', 7, 'member', 6)]
    expect(readersOf(withDave, { seq: 5, from: 1 }).map(r => r.username)).toEqual(['bob'])
    expect(readersOf(withDave, { seq: 7, from: 1 }).map(r => r.username)).toEqual(['dave'])
    const withDaveCount = readCounter(withDave, 1)
    expect([withDaveCount(5), withDaveCount(6), withDaveCount(7)]).toEqual([1, 0, 1])
    expect(groupItemStatus({ key: 'a', seq: 5, from: 1, text: 'x', ts: 0 }, 1, 0)).toBe('sent')
    expect(groupItemStatus({ key: 'a', seq: 5, from: 2, text: '', ts: 0, system: { event: 'renamed', name: 'n' } }, 1, 0)).toBe('system')
  })

  it('follow the removal rules: owners remove anyone else, admins only members, members nobody', () => {
    const owner = { id: 1, role: 'owner' as const }
    const admin = { id: 2, role: 'admin' as const }
    const member = { id: 3, role: 'member' as const }
    expect([may.remove(owner, admin), may.remove(owner, member), may.remove(owner, owner)]).toEqual([true, true, false])
    expect([may.remove(admin, owner), may.remove(admin, { id: 4, role: 'admin' }), may.remove(admin, member)]).toEqual([false, false, true])
    expect(may.remove(member, { id: 4, role: 'member' })).toBe(false)
    expect([may.rename('admin'), may.rename('member'), may.setRole(admin, member), may.setRole(owner, admin)]).toEqual([true, false, false, true])
  })

  it('change a loaded member list as system lines say', () => {
    const after = membersAfter(members, 1, { event: 'added', users: [{ id: 4, username: 'dave' }, { id: 2, username: 'bob' }] }, 10)
    expect(after.map(x => x.username)).toEqual(['alice', 'bob', 'carol', 'dave'])
    expect(after.at(-1)).toMatchObject({ joinedSeq: 9, read: 9 })
    expect(membersAfter(after, 1, { event: 'removed', users: [{ id: 3, username: 'carol' }] }, 11).map(x => x.username)).toEqual(['alice', 'bob', 'dave'])
    expect(membersAfter(members, 1, { event: 'left', owner: { id: 2, username: 'bob' } }, 12).map(x => [x.username, x.role])).toEqual([['bob', 'owner'], ['carol', 'member']])
  })

  it('are worded from their codes in English', () => {
    const t = translator('en')
    const line = (event: SystemEvent, who: (u: { id: number, username: string }) => string, me?: number) => systemText(t, 'en', event, 'alice', who, me)
    const who = (u: { username: string }) => u.username
    expect(line({ event: 'added', users: [{ id: 2, username: 'bob' }, { id: 3, username: 'carol' }, { id: 4, username: 'dave' }] }, who)).toBe('alice added bob, carol, and dave')
    expect(line({ event: 'left', owner: { id: 2, username: 'bob' } }, who)).toBe('alice left; bob is the owner now')
    expect(line({ event: 'role', user: { id: 2, username: 'bob' }, role: 'admin' }, who)).toBe('alice made bob an admin')
    // The reader themselves, in the middle of a line.
    const me = (u: { id: number, username: string }) => (u.id === 2 ? t('people.youObject') : u.username)
    expect(line({ event: 'added', users: [{ id: 3, username: 'carol' }, { id: 2, username: 'bob' }] }, me, 2)).toBe('alice added carol and you')
    expect(line({ event: 'left', owner: { id: 2, username: 'bob' } }, me, 2)).toBe('alice left; you are the owner now')
  })

  it('are worded from their codes in Chinese, with Chinese list punctuation', () => {
    const t = translator('zh-CN')
    const who = (u: { username: string }) => u.username
    expect(systemText(t, 'zh-CN', { event: 'added', users: [{ id: 2, username: '小明' }, { id: 3, username: 'carol' }, { id: 4, username: 'dave' }] }, 'alice', who)).toBe('alice添加了小明、carol和dave')
    expect(systemText(t, 'zh-CN', { event: 'renamed', name: '周末' }, 'alice', who)).toBe('alice把群名称改为“周末”')
  })
})

describe('the conversation list order', () => {
  it('puts the newest activity first, and equal ones by name', () => {
    const entry = (name: string, activity: number): ListEntry => ({ kind: 'group', key: name, conv: name, name, memberCount: 2, unread: 0, activity, left: false })
    expect(byActivity([entry('b', 1), entry('c', 5), entry('a', 1)]).map(e => e.name)).toEqual(['c', 'a', 'b'])
  })
})
