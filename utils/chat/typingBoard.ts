import { TYPING_SHOWN_FOR_MS } from '#shared/protocol'

/** A conversation as the client names it: the other person's id, or a group's id. */
export type Conv = number | string

/** Someone typing, until when (ms) unless they type on. */
export interface Typist { id: number, name: string, until: number }

/**
 * Who is typing where, as the reader sees it: by conversation, the typists in the order they
 * started. Immutable and pure (time is passed in): the store holds one board and replaces it,
 * and runs one timer for `nextExpiry`, so the rules are tested without waiting.
 */
export type TypingBoard = ReadonlyMap<Conv, readonly Typist[]>

export const emptyBoard: TypingBoard = new Map()

/** `who` types in `conv` (again): shown until `now + shownForMs`, in the place they started at. */
export function noteTyping(board: TypingBoard, conv: Conv, who: { id: number, name: string }, now: number, shownForMs = TYPING_SHOWN_FOR_MS): TypingBoard {
  const list = board.get(conv) ?? []
  const entry = { id: who.id, name: who.name, until: now + shownForMs }
  const at = list.findIndex(t => t.id === who.id)
  const next = at < 0 ? [...list, entry] : list.map((t, i) => (i === at ? entry : t))
  return new Map(board).set(conv, next)
}

/** `id` stopped typing in `conv` (said so, or their message arrived). */
export function stopTyping(board: TypingBoard, conv: Conv, id: number): TypingBoard {
  const list = board.get(conv)
  if (!list?.some(t => t.id === id)) return board
  const next = new Map(board)
  const rest = list.filter(t => t.id !== id)
  if (rest.length === 0) next.delete(conv)
  else next.set(conv, rest)
  return next
}

/** Forgets everyone whose time is up at `now`; the same board when nobody's is. */
export function expireTyping(board: TypingBoard, now: number): TypingBoard {
  let changed = false
  const next = new Map<Conv, readonly Typist[]>()
  for (const [conv, list] of board) {
    const rest = list.filter(t => t.until > now)
    if (rest.length !== list.length) changed = true
    if (rest.length > 0) next.set(conv, rest)
  }
  return changed ? next : board
}

/** When the next typist's time is up, or null when nobody types. */
export function nextExpiry(board: TypingBoard): number | null {
  let next: number | null = null
  for (const list of board.values()) for (const t of list) if (next === null || t.until < next) next = t.until
  return next
}

/** The names of who types in `conv`, in the order they started. */
export function namesIn(board: TypingBoard, conv: Conv): string[] {
  return (board.get(conv) ?? []).map(t => t.name)
}
