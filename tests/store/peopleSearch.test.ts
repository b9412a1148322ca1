import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PublicUser } from '#shared/protocol'
import { SEARCH_DELAY_MS, SEARCH_PAGE, usePeopleSearchStore } from '../../stores/peopleSearch'
import { createFakeChatEnv } from '../support/fakeChatEnv'

const accounts: PublicUser[] = Array.from({ length: 45 }, (_, i) => ({ id: i + 10, username: `bob${String(i).padStart(2, '0')}` }))
  .concat([{ id: 2, username: 'alice' }, { id: 3, username: 'Bobby' }])

function setup() {
  setActivePinia(createPinia())
  const fake = createFakeChatEnv({ accounts })
  const search = usePeopleSearchStore()
  search.configure(fake.env)
  return { search, api: fake.api }
}

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('people search', () => {
  it('asks once the typing pauses, not on every keystroke', async () => {
    const { search, api } = setup()
    search.setQuery('b')
    search.setQuery('bo')
    search.setQuery('bob')
    await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS - 1)
    expect(api.searchUsers).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1)
    expect(api.searchUsers).toHaveBeenCalledOnce()
    expect(api.searchUsers).toHaveBeenCalledWith('bob', null, SEARCH_PAGE)
  })

  it('pages through the results with `after`, without repeating anyone, until there is no next page', async () => {
    const { search, api } = setup()
    search.setQuery('bob', true)
    await vi.advanceTimersByTimeAsync(0)
    expect(search.results).toHaveLength(20)
    await search.more()
    await search.more()
    expect(api.searchUsers.mock.calls.map(c => c[1])).toEqual([null, 'bob19', 'bob39'])
    expect(search.results.map(u => u.username)).toEqual([...accounts.slice(0, 45).map(u => u.username), 'Bobby'])
    expect(search.next).toBeNull()
    await search.more()
    expect(api.searchUsers).toHaveBeenCalledTimes(3)
  })

  it('drops the answer to an older query that arrives after a newer one', async () => {
    const { search, api } = setup()
    let slow!: (page: { users: PublicUser[], next: string | null }) => void
    api.searchUsers.mockImplementationOnce(() => new Promise(resolve => (slow = resolve)))
    search.setQuery('a', true)
    search.setQuery('bobby', true)
    await vi.advanceTimersByTimeAsync(0)
    slow({ users: [{ id: 2, username: 'alice' }], next: null })
    await vi.advanceTimersByTimeAsync(0)
    expect(search.results.map(u => u.username)).toEqual(['Bobby'])
    expect(search.searched).toBe('bobby')
  })

  it('keeps the error code when the server refuses (rate limited), and clears it with the next answer', async () => {
    const { search, api } = setup()
    api.searchUsers.mockRejectedValueOnce({ statusCode: 429, data: { data: { code: 'rate_limited', message: 'slow down' } } })
    search.setQuery('bob', true)
    await vi.advanceTimersByTimeAsync(0)
    expect(search.problem).toBe('rate_limited')
    expect(search.loading).toBe(false)
    search.setQuery('bob0', true)
    await vi.advanceTimersByTimeAsync(0)
    expect(search.problem).toBeNull()
    expect(search.results).toHaveLength(10)
  })

  it('asks nothing for an empty query and empties the results', async () => {
    const { search, api } = setup()
    search.setQuery('bob', true)
    await vi.advanceTimersByTimeAsync(0)
    search.setQuery('   ')
    await vi.advanceTimersByTimeAsync(SEARCH_DELAY_MS)
    expect(api.searchUsers).toHaveBeenCalledOnce()
    expect([search.results, search.searched, search.query]).toEqual([[], null, '   '])
  })
})
