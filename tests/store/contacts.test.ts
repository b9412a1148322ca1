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
  it('lists everyone but me, online first, then by name', () => {
    const { people } = setup()
    people.setContacts([{ ...carol, online: false }, { ...alice, online: true }, { ...bob, online: false }, { id: 4, username: 'dave', online: true }])
    expect(people.contactList.map(c => c.username)).toEqual(['dave', 'bob', 'carol'])
  })

  it('follows presence: the welcome\'s online list, then joins and leaves', () => {
    const { people } = setup()
    people.setContacts([{ ...bob, online: true }, { ...carol, online: true }])
    people.setOnline([alice, bob])
    expect(people.contacts[3]!.online).toBe(false)
    people.upsert(carol, true)
    expect(people.contactList.map(c => [c.username, c.online])).toEqual([['bob', true], ['carol', true]])
    people.upsert(bob, false)
    expect(people.contacts[2]!.online).toBe(false)
  })

  it('keeps the presence the open socket gave over an older HTTP snapshot', () => {
    const { people } = connected()
    people.upsert(bob, true)
    people.setContacts([{ ...bob, online: false }, { ...carol, online: true }])
    expect(people.contacts[2]!.online).toBe(true)
    expect(people.contacts[3]!.online).toBe(true) // not known from the socket: the snapshot says
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
