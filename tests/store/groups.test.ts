import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { GroupMember, GroupMessage, GroupSummary } from '#shared/protocol'
import { useConversationListStore } from '../../stores/conversationList'
import { useGroupMembersStore } from '../../stores/groupMembers'
import { useGroupsStore } from '../../stores/groups'
import { GROUP_DELIVERED_EVERY_MS } from '../../stores/receipts'
import { setupChat } from '../support/fakeChatEnv'
import type { FakeChatOptions } from '../support/fakeChatEnv'
import { WELCOME } from '../support/fakeConnectionEnv'
import { memoryStorage } from '../support/memoryStorage'

const G = 'g1'
const CAROL = { id: 3, username: 'carol' }
const summary = (over: Partial<GroupSummary> = {}): GroupSummary => ({
  conv: G, name: 'Trio', role: 'owner', memberCount: 3, lastSeq: 2, joinedSeq: 0, delivered: 2, read: 2, unread: 0, last: null, ...over,
})
const line = (seq: number, from = 2, over: Partial<GroupMessage> = {}): GroupMessage => ({ conv: G, id: `l${seq}`, seq, from, text: `t${seq}`, ts: 1000 + seq, ...over })
const frame = (seq: number, from = 2, over: Partial<GroupMessage> = {}) => ({ type: 'groupMessage', ...line(seq, from, over) })
const member = (id: number, username: string, read: number, role: GroupMember['role'] = 'member'): GroupMember => ({ id, username, role, joinedSeq: 0, delivered: read, read, online: true })
const MEMBERS = [member(1, 'alice', 2, 'owner'), member(2, 'bob', 0), member(3, 'carol', 0)]

/** A heartbeat slow enough that no ping falls within a test. */
const QUIET = { heartbeat: { intervalMs: 3_600_000, timeoutMs: 10_000 } }
let pos = 0
const membership = (change: 'joined' | 'left', group: GroupSummary = summary()) => ({ type: 'membership', pos: ++pos, change, group })

/** Alice on a synced link, in group g1 ("Trio", with Bob and Carol) as its list says. */
async function inGroup(opts: FakeChatOptions = {}) {
  const ctx = setupChat({ groups: [summary()], members: { [G]: MEMBERS }, welcome: QUIET, ...opts })
  ctx.fake.socket.receive({ type: 'synced', head: 0 })
  await vi.advanceTimersByTimeAsync(0) // the groups list, read after synced
  const groups = useGroupsStore()
  /** Frames of a type sent on every socket so far. */
  const ofType = (type: string) => ctx.fake.sockets.flatMap(s => s.frames).filter(f => f.type === type) as Array<Record<string, unknown>>
  return { ...ctx, groups, members: useGroupMembersStore(), ofType }
}

beforeEach(() => {
  vi.useFakeTimers()
  pos = 0
})
afterEach(() => vi.useRealTimers())

describe('group lines', () => {
  it('resumes a group from the last line it has, not from where the groups list says the group is', async () => {
    let listed = summary()
    const { chat, fake, groups } = await inGroup({ groups: () => [listed] })
    fake.socket.receive(frame(3))
    // The list, read again (after a sync), already counts lines 4 and 5, which the socket has not
    // brought yet: a resume now must ask for them.
    listed = summary({ lastSeq: 5 })
    await chat.refresh()
    expect(groups.resumeEntries()).toEqual([[G, 3]])
    fake.socket.receive(frame(4))
    fake.socket.receive(frame(5))
    expect(groups.resumeEntries()).toEqual([[G, 5]])
    expect(groups.byConv[G]!.items.map(i => i.seq)).toEqual([3, 4, 5])
  })

  it('shows each line once, in seq order, whatever mix of history pages and socket frames brings them', async () => {
    const history = [line(1, 1, { system: { event: 'created', name: 'Trio' }, text: '' }), line(2), line(3), line(4)]
    const { chat, fake, groups } = await inGroup({ groupHistory: { [G]: history } })
    fake.socket.receive(frame(3))
    fake.socket.receive(frame(3)) // a repeat is one line
    await chat.selectGroup(G)
    fake.socket.receive(frame(4))
    fake.socket.receive(frame(5, 3))
    expect(groups.byConv[G]!.items.map(i => i.seq)).toEqual([1, 2, 3, 4, 5])
    expect(groups.byConv[G]!.items[0]!.system).toEqual({ event: 'created', name: 'Trio' })
  })

  it('drops a line that skips a seq and resumes from the group\'s position, whose replay brings it in order', async () => {
    const { fake, groups, ofType } = await inGroup()
    fake.socket.receive(frame(3))
    fake.socket.receive(frame(5)) // 4 went missing
    expect(groups.byConv[G]!.items.map(i => i.seq)).toEqual([3])
    expect(ofType('resume').at(-1)).toEqual({ type: 'resume', cursor: 0, groups: [[G, 3]] })
    fake.socket.receive(frame(4))
    fake.socket.receive(frame(5))
    fake.socket.receive({ type: 'synced', head: 0 })
    expect(groups.byConv[G]!.items.map(i => i.seq)).toEqual([3, 4, 5])
  })

  it('loads older pages only back to the line after the one that added me', async () => {
    const history = Array.from({ length: 130 }, (_, i) => line(i + 1))
    const { chat, groups, api } = await inGroup({ groups: [summary({ lastSeq: 130, joinedSeq: 40 })], groupHistory: { [G]: history.slice(40) } })
    await chat.selectGroup(G)
    expect(groups.byConv[G]!.items[0]!.seq).toBe(81)
    expect(await groups.loadOlder(G)).toBe(true)
    expect(groups.byConv[G]!.items[0]!.seq).toBe(41)
    expect(await groups.loadOlder(G)).toBe(false)
    expect(api.groupHistory).toHaveBeenCalledTimes(2)
  })
})

describe('group positions in resume', () => {
  it('lists each group it shows with the last seq it has, and continues from them after a reload', async () => {
    const storage = memoryStorage()
    const first = await inGroup({ storage })
    first.fake.socket.receive(frame(3))
    first.fake.socket.receive(frame(4))
    first.fake.socket.serverClose(1006)
    await vi.advanceTimersByTimeAsync(1000)
    first.fake.socket.open()
    first.fake.socket.receive(WELCOME)
    expect(first.ofType('resume').at(-1)).toEqual({ type: 'resume', cursor: 0, groups: [[G, 4]] })

    const reloaded = setupChat({ storage })
    expect(reloaded.sent().filter(f => f.type === 'resume')).toEqual([{ type: 'resume', cursor: 0, groups: [[G, 4]] }])
    expect(useGroupsStore().byConv[G]!.name).toBe('Trio') // listed while offline too
  })

  it('sends a plain resume when it shows no group', () => {
    const { sent } = setupChat()
    expect(sent()).toEqual([{ type: 'resume', cursor: 0 }])
  })

  it('resumes a group joined while away from the line that added me', async () => {
    const { fake, ofType, groups } = await inGroup({ groups: [] })
    fake.socket.receive(membership('joined', summary({ conv: 'g2', name: 'Later', lastSeq: 9, joinedSeq: 7, role: 'member' })))
    expect(groups.byConv.g2).toMatchObject({ name: 'Later', left: false })
    fake.socket.serverClose(1006)
    await vi.advanceTimersByTimeAsync(1000)
    fake.socket.open()
    fake.socket.receive({ ...WELCOME, head: 1 })
    expect(ofType('resume').at(-1)).toEqual({ type: 'resume', cursor: 1, groups: [['g2', 7]] })
  })

  it('moves past own lines acknowledged before the lines ahead of them arrive', async () => {
    const { chat, fake, groups, ofType } = await inGroup()
    await chat.selectGroup(G)
    chat.send('mine')
    fake.socket.receive({ type: 'ack', cid: 'c1', id: 'l4', seq: 4, ts: 1004 })
    fake.socket.receive(frame(3)) // stored before mine, arrives after my ack
    fake.socket.receive(frame(5))
    expect(groups.byConv[G]!.items.map(i => [i.seq, i.text])).toEqual([[3, 't3'], [4, 'mine'], [5, 't5']])
    expect(ofType('resume')).toHaveLength(1) // no gap was seen
  })
})

describe('sending to a group', () => {
  it('goes through the outbox: groupSend once synced, the same cid again after a lost ack', async () => {
    const { chat, fake, ofType, groups } = await inGroup()
    await chat.selectGroup(G)
    chat.send('hello all')
    expect(ofType('groupSend')).toEqual([{ type: 'groupSend', cid: 'c1', conv: G, text: 'hello all' }])
    expect(groups.byConv[G]!.items.at(-1)).toMatchObject({ text: 'hello all', pending: 'sending' })
    fake.socket.serverClose(1006)
    await vi.advanceTimersByTimeAsync(1000)
    fake.socket.open()
    fake.socket.receive(WELCOME)
    fake.socket.receive({ type: 'synced', head: 0 })
    expect(ofType('groupSend').map(f => f.cid)).toEqual(['c1', 'c1'])
    fake.socket.receive({ type: 'ack', cid: 'c1', id: 'l3', seq: 3, ts: 1003 })
    expect(groups.byConv[G]!.items.at(-1)).toMatchObject({ text: 'hello all', seq: 3 })
    expect(groups.byConv[G]!.items.at(-1)!.pending).toBeUndefined()
  })

  it('sends again shortly after busy or rate_limited, and shows not_member on the line for good', async () => {
    const { chat, fake, ofType, groups } = await inGroup()
    await chat.selectGroup(G)
    chat.send('one')
    fake.socket.receive({ type: 'error', code: 'busy', message: 'busy', cid: 'c1' })
    vi.advanceTimersByTime(2000)
    expect(ofType('groupSend').map(f => f.cid)).toEqual(['c1', 'c1'])
    fake.socket.receive({ type: 'error', code: 'not_member', message: 'You are not a member of this group.', cid: 'c1' })
    vi.advanceTimersByTime(5000)
    expect(ofType('groupSend')).toHaveLength(2)
    expect(groups.byConv[G]!.items.at(-1)).toMatchObject({ pending: 'failed', error: 'not_member' })
    chat.discard(G, 'c1')
    expect(groups.byConv[G]!.items.some(i => i.cid === 'c1')).toBe(false)
  })

  it('shows a group line written offline after a reload, in its group, and sends it on return', async () => {
    const storage = memoryStorage()
    const first = await inGroup({ storage })
    first.fake.socket.serverClose(1006)
    await first.chat.selectGroup(G)
    first.chat.send('written offline')
    const again = setupChat({ storage })
    expect(useGroupsStore().byConv[G]!.items).toMatchObject([{ text: 'written offline', pending: 'sending' }])
    again.fake.socket.receive({ type: 'synced', head: 0 })
    expect(again.sent().filter(f => f.type === 'groupSend')).toMatchObject([{ cid: 'c1', text: 'written offline' }])
  })
})

describe('membership', () => {
  it('adds a group I join to the list, and marks one I leave: no more lines, resumes or sends', async () => {
    const { chat, fake, groups, ofType } = await inGroup({ groups: [] })
    fake.socket.receive(membership('joined'))
    expect(useConversationListStore().entries).toMatchObject([{ kind: 'group', conv: G, name: 'Trio', memberCount: 3, left: false }])
    await chat.selectGroup(G)
    fake.socket.receive(membership('left'))
    expect(groups.byConv[G]!.left).toBe(true)
    fake.socket.receive(frame(3))
    expect(groups.byConv[G]!.items).toEqual([])
    expect(chat.send('anyone?')).toBeNull()
    expect(ofType('groupSend')).toEqual([])
    fake.socket.serverClose(1006)
    await vi.advanceTimersByTimeAsync(1000)
    fake.socket.open()
    fake.socket.receive({ ...WELCOME, head: 2 })
    expect(ofType('resume').at(-1)).toEqual({ type: 'resume', cursor: 2 })
    expect(useConversationListStore().entries).toMatchObject([{ conv: G, left: true }])
  })

  it('reads the groups list after every synced; a group missing from it is left, unless a newer membership event says otherwise', async () => {
    let listed = [summary()]
    const { fake, groups, api } = await inGroup({ groups: () => listed })
    expect(api.groups).toHaveBeenCalledTimes(1)
    listed = []
    fake.socket.receive({ type: 'synced', head: 0 })
    await vi.advanceTimersByTimeAsync(0)
    expect(groups.byConv[G]!.left).toBe(true)

    // A list asked for before a join arrives after it: the join stands.
    let answer!: (list: GroupSummary[]) => void
    api.groups.mockImplementationOnce(() => new Promise(resolve => (answer = resolve)))
    fake.socket.receive({ type: 'synced', head: 0 })
    fake.socket.receive(membership('joined', summary({ conv: 'g2', name: 'New' })))
    answer([])
    await vi.advanceTimersByTimeAsync(0)
    expect(groups.byConv.g2!.left).toBe(false)
  })

  it('asks for the groups list when a line names a group this page does not know', async () => {
    const { fake, api, groups } = await inGroup({ groups: [] })
    api.groups.mockResolvedValueOnce([summary({ conv: 'g9', name: 'Surprise', lastSeq: 1 })])
    fake.socket.receive({ ...frame(1), conv: 'g9' })
    await vi.advanceTimersByTimeAsync(0)
    expect(api.groups).toHaveBeenCalledTimes(2)
    expect(groups.byConv.g9!.name).toBe('Surprise')
  })

  it('follows new system lines: renamed, added, removed, roles (older ones are in the summary already)', async () => {
    const { chat, fake, groups, members } = await inGroup()
    await chat.selectGroup(G)
    await vi.advanceTimersByTimeAsync(0)
    fake.socket.receive(frame(2, 1, { text: '', system: { event: 'renamed', name: 'Old news' } })) // seq 2: counted already
    expect(groups.byConv[G]!.name).toBe('Trio')
    fake.socket.receive(frame(3, 1, { text: '', system: { event: 'renamed', name: 'Quartet' } }))
    fake.socket.receive(frame(4, 1, { text: '', system: { event: 'added', users: [{ id: 4, username: 'dave' }] } }))
    fake.socket.receive(frame(5, 1, { text: '', system: { event: 'removed', users: [CAROL] } }))
    fake.socket.receive(frame(6, 1, { text: '', system: { event: 'role', user: { id: 2, username: 'bob' }, role: 'admin' } }))
    expect(groups.byConv[G]).toMatchObject({ name: 'Quartet', memberCount: 3, unread: 0 })
    expect(members.byConv[G]!.map(m => [m.username, m.role])).toEqual([['alice', 'owner'], ['bob', 'admin'], ['dave', 'member']])
  })
})

describe('member count', () => {
  it('counts a removal once, whether the member list is read again before or after its line', async () => {
    const { chat, fake, groups, members, api } = await inGroup()
    await chat.selectGroup(G)
    await vi.advanceTimersByTimeAsync(0)
    api.members.mockResolvedValueOnce(MEMBERS.filter(m => m.id !== 3))
    await members.load(G)
    fake.socket.receive(frame(3, 1, { text: '', system: { event: 'removed', users: [CAROL] } }))
    expect([groups.byConv[G]!.memberCount, members.byConv[G]!.length]).toEqual([2, 2])
  })
})

describe('group receipts', () => {
  it('sends groupDelivered at most every two seconds per group, the newest seq carried', async () => {
    const { fake, ofType } = await inGroup({ groupHistory: { [G]: [line(1), line(2)] } })
    await vi.advanceTimersByTimeAsync(GROUP_DELIVERED_EVERY_MS)
    const before = ofType('groupDelivered').length
    for (let seq = 3; seq <= 8; seq++) {
      fake.socket.receive(frame(seq))
      await vi.advanceTimersByTimeAsync(100)
    }
    // One for the first line; the five after it wait for the interval and go as one.
    expect(ofType('groupDelivered').slice(before)).toEqual([{ type: 'groupDelivered', conv: G, seq: 3 }])
    await vi.advanceTimersByTimeAsync(GROUP_DELIVERED_EVERY_MS)
    expect(ofType('groupDelivered').slice(before)).toEqual([{ type: 'groupDelivered', conv: G, seq: 3 }, { type: 'groupDelivered', conv: G, seq: 8 }])
  })

  it('counts others\' lines as unread (not system lines), sends groupDelivered, and groupRead when open and visible', async () => {
    const { chat, fake, groups, ofType } = await inGroup({ groupHistory: { [G]: [line(1), line(2), line(3)] } })
    fake.socket.receive(frame(3))
    fake.socket.receive(frame(4, 1, { text: '', system: { event: 'renamed', name: 'Trio!' } }))
    await vi.advanceTimersByTimeAsync(0)
    expect(groups.unread[G]).toBe(1)
    expect(chat.announcement).toEqual({ key: 'chat.newGroupMessage', params: { name: 'bob', group: 'Trio', text: 't3' } })
    expect(ofType('groupDelivered').at(-1)).toEqual({ type: 'groupDelivered', conv: G, seq: 3 })
    expect(ofType('groupRead')).toEqual([])
    await chat.selectGroup(G)
    await vi.advanceTimersByTimeAsync(0)
    // Read up to the newest line shown, the system line included.
    expect(ofType('groupRead')).toEqual([{ type: 'groupRead', conv: G, seq: 4 }])
    expect(groups.unread[G]).toBe(0)
  })

  it('says "Read by k" from the members\' read positions, kept current by groupReceipt frames', async () => {
    const { chat, fake, members } = await inGroup()
    await chat.selectGroup(G)
    await vi.advanceTimersByTimeAsync(0)
    chat.send('did you read this?')
    fake.socket.receive({ type: 'ack', cid: 'c1', id: 'l3', seq: 3, ts: 1003 })
    const mine = { seq: 3, from: 1 }
    expect(members.readers(G, mine)).toEqual([])
    fake.socket.receive({ type: 'groupReceipt', conv: G, receipts: [{ user: 2, delivered: 3, read: 3 }] })
    fake.socket.receive({ type: 'groupReceipt', conv: G, receipts: [{ user: 3, delivered: 3, read: 2 }] })
    expect(members.readers(G, mine).map(m => m.username)).toEqual(['bob'])
    fake.socket.receive({ type: 'groupReceipt', conv: G, receipts: [{ user: 3, delivered: 4, read: 4 }] })
    fake.socket.receive({ type: 'groupReceipt', conv: G, receipts: [{ user: 2, delivered: 1, read: 1 }] }) // late and older: positions only grow
    expect(members.readers(G, mine).map(m => m.username)).toEqual(['bob', 'carol'])
  })

  it('keeps receipts that arrive while the members are loading', async () => {
    const { fake, members, api } = await inGroup()
    let answer!: (list: GroupMember[]) => void
    api.members.mockImplementationOnce(() => new Promise(resolve => (answer = resolve)))
    const loading = members.load(G)
    fake.socket.receive({ type: 'groupReceipt', conv: G, receipts: [{ user: 2, delivered: 5, read: 5 }] })
    answer(structuredClone(MEMBERS)) // read before the receipt: bob at 0
    await loading
    expect(members.byConv[G]!.find(m => m.id === 2)!.read).toBe(5)
  })

  it('counts online members from presence: me while connected, the others as told', async () => {
    const { chat, fake, members, people } = await inGroup()
    await chat.selectGroup(G)
    await vi.advanceTimersByTimeAsync(0)
    expect(members.onlineCount(G)).toBe(3)
    people.presence([], [CAROL])
    expect(members.onlineCount(G)).toBe(2)
    fake.socket.serverClose(1006)
    await vi.advanceTimersByTimeAsync(0)
    expect(members.onlineCount(G)).toBe(0)
  })
})

describe('group actions', () => {
  it('creates a group, lists it and can open it at once', async () => {
    const { api } = await inGroup({ groups: [] })
    api.createGroup.mockResolvedValueOnce(summary({ conv: 'g5', name: 'Fresh', lastSeq: 2, joinedSeq: 1 }))
    await expect(useGroupMembersStore().create('Fresh', [2, 3])).resolves.toEqual({ conv: 'g5' })
    expect(api.createGroup).toHaveBeenCalledWith('Fresh', [2, 3])
    expect(useGroupsStore().byConv.g5).toMatchObject({ name: 'Fresh', role: 'owner', left: false })
  })

  it('answers the server\'s error code when an action is refused', async () => {
    const { api, members } = await inGroup()
    api.removeMember.mockRejectedValueOnce({ statusCode: 403, data: { data: { code: 'forbidden', message: 'no' } } })
    await expect(members.remove(G, 3)).resolves.toBe('forbidden')
    api.createGroup.mockRejectedValueOnce({ statusCode: 429, data: {} })
    await expect(members.create('x', [2])).resolves.toEqual({ problem: 'rate_limited' })
  })

  it('leaving marks the group left at once and closes its members', async () => {
    const { chat, api, groups, members } = await inGroup()
    await chat.selectGroup(G)
    await vi.advanceTimersByTimeAsync(0)
    await expect(members.leave(G)).resolves.toBeNull()
    expect(api.removeMember).toHaveBeenCalledWith(G, 1)
    expect(groups.byConv[G]!.left).toBe(true)
    expect(members.byConv[G]).toBeUndefined()
  })
})

describe('the conversation list', () => {
  it('lists direct conversations and groups together, newest activity first, with unread counts', async () => {
    const { fake } = await inGroup({ groups: [summary({ last: line(2), unread: 1 })] })
    fake.socket.receive({ type: 'message', pos: 1, id: 'm1', seq: 1, from: 2, to: 1, text: 'hi', ts: 500 })
    expect(useConversationListStore().entries.map(e => [e.name, e.unread])).toEqual([['Trio', 1], ['bob', 1]])
    fake.socket.receive({ type: 'message', pos: 2, id: 'm2', seq: 2, from: 2, to: 1, text: 'again', ts: 2000 })
    expect(useConversationListStore().entries.map(e => [e.name, e.unread])).toEqual([['bob', 2], ['Trio', 1]])
  })

  it('shows a conversation started from a search result before anything is written in it', async () => {
    const { chat } = await inGroup({ groups: [] })
    await chat.startConversation(CAROL)
    expect(useConversationListStore().entries).toMatchObject([{ kind: 'direct', peer: 3, name: 'carol', online: null }])
    expect(useConversationListStore().acquaintances).toEqual([CAROL])
  })

  it('looks up who wrote a first message once, and names them from the summaries', async () => {
    const { fake, api, people } = await inGroup({ groups: [] })
    api.conversations.mockResolvedValue([{ peer: 3, peerName: 'carol', peerOnline: true, lastSeq: 2, peerDelivered: 0, peerRead: 0, selfRead: 0, unread: 2, last: null }])
    const calls = api.conversations.mock.calls.length
    fake.socket.receive({ type: 'message', pos: 1, id: 'm1', seq: 1, from: 3, to: 1, text: 'hi, I am new', ts: 1 })
    fake.socket.receive({ type: 'message', pos: 2, id: 'm2', seq: 2, from: 3, to: 1, text: 'me again', ts: 2 })
    await vi.advanceTimersByTimeAsync(0)
    expect(api.conversations.mock.calls.length - calls).toBe(1)
    expect(people.contacts[3]).toEqual({ ...CAROL, online: true })
    expect(useConversationListStore().entries).toMatchObject([{ kind: 'direct', name: 'carol', online: true, unread: 2 }])
  })

  it('names the people of direct conversations from their summaries, with their presence', async () => {
    const { chat, people } = await inGroup({
      groups: [],
      conversations: [{ peer: 3, peerName: 'carol', peerOnline: true, lastSeq: 1, peerDelivered: 0, peerRead: 0, selfRead: 0, unread: 1, last: null }],
    })
    await chat.refresh()
    expect(people.contacts[3]).toEqual({ ...CAROL, online: true })
  })
})

describe('summaries', () => {
  it('applies the conversations even when the groups list cannot be read, and says it failed', async () => {
    const { chat, api, conversations } = await inGroup({
      conversations: [{ peer: 2, lastSeq: 4, peerDelivered: 0, peerRead: 0, selfRead: 0, unread: 4, last: null }],
    })
    api.groups.mockRejectedValueOnce(new Error('404'))
    await expect(chat.refresh()).rejects.toThrow('404')
    expect(conversations.unread[2]).toBe(4)
  })
})

describe('opening a group', () => {
  it('opens a group named in the URL before the page knows it, once the groups list names it', async () => {
    let listed: GroupSummary[] = []
    const { chat, fake, groups, api } = await inGroup({ groups: () => listed, groupHistory: { [G]: [line(1), line(2)] } })
    await chat.selectGroup(G)
    expect(chat.selectedGroup).toBeNull()
    expect(groups.byConv[G]).toBeUndefined()
    listed = [summary()]
    fake.socket.receive({ type: 'synced', head: 0 })
    await vi.advanceTimersByTimeAsync(0)
    expect(chat.selectedGroup!.items.map(i => i.seq)).toEqual([1, 2])
    expect(api.groupHistory).toHaveBeenCalledOnce()
  })
})
