import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ChatMessage, GroupMessage, GroupSummary } from '#shared/protocol'
import { useGroupsStore } from '../../stores/groups'
import { setupChat } from '../support/fakeChatEnv'
import { WELCOME } from '../support/fakeConnectionEnv'
import { memoryStorage } from '../support/memoryStorage'

/**
 * Message retention as the reference client sees it: a resume from a cursor before what the
 * server kept gets `trimmed` (or `groupTrimmed`) and then the replay; the page drops the lines it
 * kept and reads the history again, without an error, a second resume or a line twice.
 */
const QUIET = { heartbeat: { intervalMs: 3_600_000, timeoutMs: 10_000 } }
const fromBob = (seq: number, pos?: number): ChatMessage & { pos?: number } => ({ ...(pos ? { pos } : {}), id: `m${seq}`, seq, from: 2, to: 1, text: `b${seq}`, ts: seq * 1000 })
const G = 'g1'
const summary = (over: Partial<GroupSummary> = {}): GroupSummary => ({
  conv: G, name: 'Trio', role: 'member', memberCount: 3, lastSeq: 3, joinedSeq: 0, delivered: 3, read: 3, unread: 0, last: null, ...over,
})
const line = (seq: number): GroupMessage => ({ conv: G, id: `l${seq}`, seq, from: 2, text: `t${seq}`, ts: 1000 + seq })

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('a resume from before what the server keeps', () => {
  it('moves the cursor past the deleted part, drops the kept lines and reloads the open conversation once synced', async () => {
    const storage = memoryStorage()
    // An earlier page saw Bob's messages 1–3 (stream positions 1–3) and kept them.
    const before = setupChat({ storage, welcome: QUIET })
    before.fake.socket.receive({ type: 'synced', head: 0 })
    for (const seq of [1, 2, 3]) before.fake.socket.receive({ type: 'message', ...fromBob(seq, seq) })
    await vi.advanceTimersByTimeAsync(500)
    before.connection.disconnect()

    // Months later: the server deleted Bob's messages up to 10 (positions up to 17) and keeps 11–13.
    const { chat, fake, api, sent, storage: kept } = setupChat({ storage, welcome: { ...QUIET, head: 19 }, history: [11, 12, 13].map(s => fromBob(s)) })
    await chat.select(2)
    expect(chat.selectedItems.map(i => i.seq)).toEqual([1, 2, 3]) // what this browser kept, until synced
    expect(sent().filter(f => f.type === 'resume')).toEqual([{ type: 'resume', cursor: 3 }])
    fake.socket.receive({ type: 'trimmed', pos: 17 })
    fake.socket.receive({ type: 'message', ...fromBob(12, 18) })
    fake.socket.receive({ type: 'message', ...fromBob(13, 19) })
    fake.socket.receive({ type: 'synced', head: 19 })
    await vi.advanceTimersByTimeAsync(500)

    expect(api.history).toHaveBeenCalledOnce()
    expect(chat.selectedItems.map(i => i.seq)).toEqual([11, 12, 13])
    expect(chat.selectedConversation).toMatchObject({ loaded: true, loadError: null })
    // No gap was seen: no second resume; the cursor went on from the cut.
    expect(sent().filter(f => f.type === 'resume')).toHaveLength(1)
    expect(kept.map.get('jizhan.cursor.1')).toBe('19')
    // What this browser keeps for offline reloads is the new lines only.
    expect(JSON.parse(kept.map.get('jizhan.recent.1')!)[0].messages.map((m: ChatMessage) => m.seq)).toEqual([11, 12, 13])
  })

  it('keeps lines still waiting in the outbox, and a conversation not open reloads when it is opened', async () => {
    const { chat, fake, api, conversations } = setupChat({ welcome: QUIET, history: [fromBob(9)] })
    fake.socket.receive({ type: 'synced', head: 0 })
    fake.socket.receive({ type: 'message', ...fromBob(1, 1) })
    fake.socket.serverClose(1006)
    await vi.advanceTimersByTimeAsync(0)
    chat.select(2)
    chat.send('still mine')
    await chat.select(null)
    vi.advanceTimersByTime(1000)
    fake.socket.open()
    fake.socket.receive({ ...WELCOME, ...QUIET, head: 8 })
    fake.socket.receive({ type: 'trimmed', pos: 8 })
    fake.socket.receive({ type: 'synced', head: 8 })
    await vi.advanceTimersByTimeAsync(0)
    expect(conversations.byPeer[2]!.items.map(i => i.text)).toEqual(['still mine'])
    expect(api.history).not.toHaveBeenCalled()
    await chat.select(2)
    expect(api.history).toHaveBeenCalledOnce()
    expect(chat.selectedItems.map(i => i.text)).toEqual(['b9', 'still mine'])
  })

  it('ignores a trimmed position it is already past', async () => {
    const { chat, fake, api } = setupChat({ welcome: QUIET })
    fake.socket.receive({ type: 'synced', head: 0 })
    fake.socket.receive({ type: 'message', ...fromBob(1, 1) })
    fake.socket.receive({ type: 'message', ...fromBob(2, 2) })
    await chat.select(2)
    fake.socket.receive({ type: 'trimmed', pos: 2 })
    expect(chat.selectedItems.map(i => i.seq)).toEqual([1, 2])
    expect(api.history).toHaveBeenCalledOnce() // the first opening only
  })

  it('in a group: moves its position past the deleted lines, drops its kept lines and reloads it', async () => {
    const history = { [G]: [line(1), line(2), line(3)] }
    const { chat, fake, api, sent } = setupChat({ welcome: QUIET, groups: [summary()], groupHistory: history })
    fake.socket.receive({ type: 'synced', head: 0 })
    await vi.advanceTimersByTimeAsync(0)
    for (const seq of [1, 2, 3]) fake.socket.receive({ type: 'groupMessage', ...line(seq) })
    await chat.selectGroup(G)
    const groups = useGroupsStore()
    expect(groups.resumeEntries()).toEqual([[G, 3]])

    // Away long enough for retention to delete lines 1–7.
    fake.socket.serverClose(1006)
    history[G] = [line(8), line(9)]
    vi.advanceTimersByTime(1000)
    fake.socket.open()
    fake.socket.receive({ ...WELCOME, ...QUIET, head: 0 })
    expect(sent().filter(f => f.type === 'resume').at(-1)).toEqual({ type: 'resume', cursor: 0, groups: [[G, 3]] })
    fake.socket.receive({ type: 'groupTrimmed', conv: G, seq: 7 })
    fake.socket.receive({ type: 'groupMessage', ...line(8) })
    fake.socket.receive({ type: 'groupMessage', ...line(9) })
    fake.socket.receive({ type: 'synced', head: 0 })
    await vi.advanceTimersByTimeAsync(0)

    expect(groups.byConv[G]!.items.map(i => i.seq)).toEqual([8, 9])
    expect(groups.byConv[G]).toMatchObject({ loaded: true, loadError: null })
    expect(api.groupHistory).toHaveBeenCalledTimes(2) // opened, then after the cut
    expect(groups.resumeEntries()).toEqual([[G, 9]])
    // No gap on the way: one resume on each socket.
    expect(fake.sockets.map(s => s.frames.filter(f => (f as { type: string }).type === 'resume').length)).toEqual([1, 1])
    // A cut it is already past changes nothing.
    fake.socket.receive({ type: 'groupTrimmed', conv: G, seq: 9 })
    expect(groups.byConv[G]).toMatchObject({ loaded: true })
    expect(groups.byConv[G]!.items.map(i => i.seq)).toEqual([8, 9])
  })

  it('ignores a group it does not follow', () => {
    const { fake } = setupChat({ welcome: QUIET })
    fake.socket.receive({ type: 'groupTrimmed', conv: 'g9', seq: 4 })
    expect(useGroupsStore().byConv.g9).toBeUndefined()
  })
})
