import type { Connection } from '../utils/pool'

/** A conversation as a client names it: the other person's user id, or a group's id. */
export type ViewedConv = number | string

/**
 * Which conversation each socket shows now (the client says so with `view`), indexed both ways:
 * typing indicators go only to the sockets that show their conversation, so a reader who is
 * elsewhere, or whose page is hidden, costs nothing. Pure data, no I/O.
 */
export class Viewers<C> {
  readonly #viewing = new Map<C, ViewedConv>()
  readonly #byConv = new Map<ViewedConv, Set<C>>()

  /** `conn` shows `conv` now (null: none). */
  set(conn: C, conv: ViewedConv | null): void {
    this.remove(conn)
    if (conv === null) return
    this.#viewing.set(conn, conv)
    let set = this.#byConv.get(conv)
    if (!set) this.#byConv.set(conv, set = new Set())
    set.add(conn)
  }

  /** What `conn` shows, or null. */
  viewing(conn: C): ViewedConv | null {
    return this.#viewing.get(conn) ?? null
  }

  /** The sockets that show `conv`. */
  of(conv: ViewedConv): ReadonlySet<C> {
    return this.#byConv.get(conv) ?? EMPTY
  }

  /** The socket closed: forgotten. Idempotent. */
  remove(conn: C): void {
    const conv = this.#viewing.get(conn)
    if (conv === undefined) return
    this.#viewing.delete(conn)
    const set = this.#byConv.get(conv)!
    set.delete(conn)
    if (set.size === 0) this.#byConv.delete(conv)
  }

  /** Sockets that show a conversation. */
  get size(): number {
    return this.#viewing.size
  }
}

const EMPTY: ReadonlySet<never> = new Set()

/** Which conversation each socket of this instance shows (`view`); a socket leaves it on close. */
export const viewers = new Viewers<Connection>()
