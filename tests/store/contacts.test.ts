import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useConnectionStore } from '../../stores/connection'
import { useContactsStore } from '../../stores/contacts'
import { createChatCache } from '../../utils/chat/chatCache'
import { WELCOME, createFakeEnv } from '../support/fakeConnectionEnv'
import { memoryStorage } from '../support/memoryStorage'

const alice = { id: 1, username: 'alice' }
const bob = { id: 2, username: 'bob' }
const carol = { id: 3, username: 'carol' }

function setup() {
  setActivePinia(createPinia())
  const fake = createFakeEnv()
  const connection = useConnectionStore()
  connection.configure(fake.env)
  const people = useContactsStore()
  const storage = memoryStorage()
  people.open(alice, createChatCache(storage, alice.id))
  return { people, connection, fake, storage }
}

function connected() {
  const ctx = setup()
  ctx.connection.connect()
  ctx.fake.socket.open()
  ctx.fake.socket.receive(WELCOME)
  return ctx
}

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('contacts store', () => {
  it('knows nobody\'s presence until told: a snapshot or a presence frame says it', () => {
    const { people } = setup()
    people.upsert(bob) // found by name: no presence is shown for someone one shares nothing with
    expect(people.contacts[2]!.online).toBeNull()
    people.setContacts([{ ...bob, online: true }, carol], people.snapshotMark())
    expect([people.contacts[2]!.online, people.contacts[3]!.online]).toEqual([true, null])
  })

  it('follows presence frames: who came online and who went offline, several at once', () => {
    const { people } = setup()
    people.setContacts([{ ...bob, online: false }, { ...carol, online: false }], people.snapshotMark())
    people.presence([bob, carol], [])
    expect([people.contacts[2]!.online, people.contacts[3]!.online]).toEqual([true, true])
    people.presence([], [bob])
    expect(people.contacts[2]!.online).toBe(false)
  })

  it('updates the people a snapshot lists and keeps everyone else it knows', () => {
    const { people } = setup()
    people.setContacts([{ ...bob, online: true }], people.snapshotMark())
    people.setContacts([{ ...carol, online: false }], people.snapshotMark())
    expect(Object.values(people.contacts).map(c => c.username).sort()).toEqual(['bob', 'carol'])
    expect(people.nameOf(2, '?')).toBe('bob')
    expect(people.nameOf(9, 'user 9')).toBe('user 9')
  })

  it('keeps what the socket said after the HTTP snapshot was asked for, and takes the snapshot for everyone else', () => {
    const { people } = connected()
    people.presence([carol], [])
    const mark = people.snapshotMark()
    // While the request is out, bob comes online; the snapshot (taken earlier) still says offline.
    people.presence([bob], [])
    people.setContacts([{ ...bob, online: false }, { ...carol, online: false }, { id: 4, username: 'dave', online: true }], mark)
    expect(people.contacts[2]!.online).toBe(true) // the socket's word is newer
    expect(people.contacts[3]!.online).toBe(false) // told before the request: the snapshot is newer
    expect(people.contacts[4]!.online).toBe(true) // not known from the socket: the snapshot says
  })

  it('shows nobody online once the link is lost, rather than stale dots', async () => {
    const { people, fake } = connected()
    people.upsert(bob, true)
    fake.socket.serverClose(1006)
    await vi.advanceTimersByTimeAsync(0)
    expect(people.contacts[2]!.online).toBe(false)
  })

  it('keeps names for the next page of the same user, all shown offline', () => {
    const { people, storage } = setup()
    people.upsert(bob, true)
    setActivePinia(createPinia())
    const next = useContactsStore()
    next.open(alice, createChatCache(storage, alice.id))
    expect(next.contacts[2]).toEqual({ ...bob, online: false })
  })

  it('forgets everyone on reset', () => {
    const { people } = setup()
    people.upsert(bob, true)
    people.reset()
    expect([people.me, people.contacts]).toEqual([null, {}])
  })
})
