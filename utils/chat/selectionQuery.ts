import { GROUP_ID_PATTERN } from '#shared/protocol'

/** The open conversation as the URL names it: `?with=<user id>` or `?group=<group id>`. */
export type Selection = { peer: number } | { group: string } | null

type Query = Record<string, unknown>

/** What a URL's query opens (anything malformed opens nothing). */
export function selectionFromQuery(query: Query): Selection {
  const group = query.group
  if (typeof group === 'string' && GROUP_ID_PATTERN.test(group)) return { group }
  const peer = Number(query.with)
  if (typeof query.with === 'string' && Number.isSafeInteger(peer) && peer > 0) return { peer }
  return null
}

/** The query parameters for a selection (undefined removes a parameter). */
export function queryOf(selection: Selection): { with: string | undefined, group: string | undefined } {
  return {
    with: selection && 'peer' in selection ? String(selection.peer) : undefined,
    group: selection && 'group' in selection ? selection.group : undefined,
  }
}

export const sameSelection = (a: Selection, b: Selection) => JSON.stringify(a) === JSON.stringify(b)

/** A URL (path and query, as vue-router keeps `history.state.back`) that opens no conversation. */
export function isListUrl(url: unknown, path: string): boolean {
  if (typeof url !== 'string') return false
  const parsed = new URL(url, 'http://x')
  return parsed.pathname === path && selectionFromQuery(Object.fromEntries(parsed.searchParams)) === null
}
