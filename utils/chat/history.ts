/**
 * Paging through a conversation's history (direct or group) over HTTP: the newest page when it is
 * opened, older ones as the person scrolls up. A failed page is kept as `loadError` for the pane to
 * offer a Retry, never thrown.
 */

/** Lines per history page. */
export const HISTORY_PAGE = 50

/** Which history page failed to load: the pane shows it with a Retry. */
export type LoadError = 'newest' | 'older'

/** What a pane's paging state is. */
export interface Paged {
  /** The newest page was loaded; more older pages exist while `hasOlder`. */
  loaded: boolean
  hasOlder: boolean
  loadError: LoadError | null
}

/**
 * Loads the page before `beforeSeq` (null: the newest) with `fetchPage` and hands it, oldest first,
 * to `apply`. `firstSeq` is the oldest seq the reader may see. Resolves false when it failed.
 */
export async function loadPage<M extends { seq: number }>(
  target: Paged, beforeSeq: number | null, fetchPage: () => Promise<M[]>, apply: (page: M[]) => void, firstSeq = 1,
): Promise<boolean> {
  let page: M[]
  try {
    page = await fetchPage()
  }
  catch {
    target.loadError = beforeSeq === null ? 'newest' : 'older'
    return false
  }
  target.loadError = null
  apply(page)
  if (beforeSeq === null) target.loaded = true
  target.hasOlder = page.length === HISTORY_PAGE && page[0]!.seq > firstSeq
  return true
}

/** Which page comes before the lines shown: the oldest stored seq, or null for the newest page. */
export function oldestSeq(items: ReadonlyArray<{ seq?: number }>): number | null {
  return items.find(i => i.seq !== undefined)?.seq ?? null
}
