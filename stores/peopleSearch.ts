import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { PublicUser } from '#shared/protocol'
import { errorCode } from '../utils/chat/apiError'

/** One page of GET /api/users/search. */
export interface SearchPage {
  users: PublicUser[]
  /** Where the next page starts (`after`), or null on the last one. */
  next: string | null
}

export interface SearchApi {
  searchUsers(q: string, after: string | null, limit: number): Promise<SearchPage>
}

export interface PeopleSearchEnv {
  api: SearchApi
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (id: unknown) => void
}

/** Results per page, and the pause after the last keystroke before asking (the server rate-limits). */
export const SEARCH_PAGE = 20
export const SEARCH_DELAY_MS = 250
/** Longest prefix the server takes (docs/protocol.md §11). */
export const SEARCH_MAX_LENGTH = 32

/**
 * Finding people by the start of their username, page by page: how a person reaches someone they
 * share no conversation with yet, without the server listing every account. Answers to an older
 * query are dropped, so the results always match what is typed.
 */
export const usePeopleSearchStore = defineStore('peopleSearch', () => {
  const query = ref('')
  /** The query the results are for (null: none yet). */
  const searched = ref<string | null>(null)
  const results = ref<PublicUser[]>([])
  const next = ref<string | null>(null)
  const loading = ref(false)
  /** The error code of the last failed request, or null. */
  const problem = ref<string | null>(null)
  let env: PeopleSearchEnv | undefined
  let pending: (() => void) | undefined
  /** Counts requests; an answer is applied only if no newer request started since. */
  let requests = 0

  function need(): PeopleSearchEnv {
    if (!env) throw new Error('people search store: call configure() first')
    return env
  }

  function configure(newEnv: PeopleSearchEnv) {
    env = newEnv
  }

  /** The person typed: searches shortly after the last keystroke (at once with `now`). */
  function setQuery(text: string, now = false) {
    query.value = text
    cancelPending()
    const q = text.trim().slice(0, SEARCH_MAX_LENGTH)
    if (q === '') return drop()
    if (now) return void run(q, null)
    const e = need()
    const id = e.setTimeout(() => {
      pending = undefined
      run(q, null)
    }, SEARCH_DELAY_MS)
    pending = () => e.clearTimeout(id)
  }

  /** Loads the next page of the current results. */
  async function more(): Promise<void> {
    if (searched.value === null || next.value === null || loading.value) return
    await run(searched.value, next.value)
  }

  async function run(q: string, after: string | null): Promise<void> {
    const request = ++requests
    loading.value = true
    let page: SearchPage
    try {
      page = await need().api.searchUsers(q, after, SEARCH_PAGE)
    }
    catch (error) {
      if (request !== requests) return
      problem.value = errorCode(error)
      loading.value = false
      return
    }
    if (request !== requests) return
    const seen = new Set(after === null ? [] : results.value.map(u => u.id))
    results.value = [...(after === null ? [] : results.value), ...page.users.filter(u => !seen.has(u.id))]
    next.value = page.next
    searched.value = q
    problem.value = null
    loading.value = false
  }

  function cancelPending() {
    pending?.()
    pending = undefined
  }

  /** Empties the search (and drops any answer still on its way). */
  function clear() {
    query.value = ''
    drop()
  }

  /** Drops the results and any answer still on its way. */
  function drop() {
    cancelPending()
    requests++
    searched.value = null
    results.value = []
    next.value = null
    loading.value = false
    problem.value = null
  }

  return { query, searched, results, next, loading, problem, configure, setQuery, more, clear, reset: clear }
})
