import type { PublicUser } from '#shared/protocol'

/**
 * Whose presence this instance watches (issue 15), pure. A user with a socket here watches their
 * contacts (the people who share a conversation with them: presenceAudience.ts, which is
 * symmetric); the instance follows each watched person's presence channel once, however many of its
 * users watch them, and remembers which instances that person is on (every presence envelope
 * carries the whole set, read from Redis in the same script that changed it). So a presence change
 * reaches only the instances whose users see it, and when an instance dies each instance marks its
 * watched users who were only there offline without asking anyone.
 */
interface Watched { user: PublicUser, instances: Set<string>, known: boolean }

export class Watching {
  /** Watched person → the local users who see them. */
  readonly #watchers = new Map<number, Set<number>>()
  /** Local user → whom they watch. */
  readonly #contacts = new Map<number, Set<number>>()
  readonly #state = new Map<number, Watched>()

  /**
   * Sets whom a local user watches (their contacts now); returns the people watched by nobody here
   * before (to follow and read) and those watched by nobody here any more (to stop following).
   */
  watch(watcher: number, contacts: Iterable<number>): { added: number[], removed: number[] } {
    const next = new Set(contacts)
    next.delete(watcher)
    const before = this.#contacts.get(watcher) ?? new Set<number>()
    const added: number[] = []
    const removed: number[] = []
    for (const id of next) {
      if (before.has(id)) continue
      let set = this.#watchers.get(id)
      if (!set) {
        this.#watchers.set(id, set = new Set())
        this.#state.set(id, { user: { id, username: '' }, instances: new Set(), known: false })
        added.push(id)
      }
      set.add(watcher)
    }
    for (const id of before) if (!next.has(id) && this.#drop(id, watcher)) removed.push(id)
    if (next.size > 0) this.#contacts.set(watcher, next)
    else this.#contacts.delete(watcher)
    return { added, removed }
  }

  /** The local user left: returns the people nobody here watches any more. */
  unwatch(watcher: number): number[] {
    return this.watch(watcher, []).removed
  }

  #drop(id: number, watcher: number): boolean {
    const set = this.#watchers.get(id)
    if (!set?.delete(watcher) || set.size > 0) return false
    this.#watchers.delete(id)
    this.#state.delete(id)
    return true
  }

  /**
   * A presence envelope: the user is on these instances now. Returns their new state when it
   * changed for the watchers here (online ↔ offline), else null; null too when nobody watches them.
   */
  apply(user: PublicUser, instances: readonly string[]): boolean | null {
    const state = this.#state.get(user.id)
    if (!state) return null
    const was = state.instances.size > 0
    state.user = { id: user.id, username: user.username }
    state.instances = new Set(instances)
    state.known = true
    const now = state.instances.size > 0
    return was === now ? null : now
  }

  /**
   * What Redis said when the user was first watched here: applied unless an envelope came first
   * (it is newer). `force` (a re-read after envelopes may have been lost) applies it regardless.
   */
  seed(user: PublicUser, instances: readonly string[], force = false): boolean | null {
    const state = this.#state.get(user.id)
    if (!state || (state.known && !force)) return null
    return this.apply(user, instances)
  }

  /** An instance died or left: the watched users who were only there, now offline. */
  dropInstance(instance: string): PublicUser[] {
    const offline: PublicUser[] = []
    for (const state of this.#state.values()) {
      if (state.instances.delete(instance) && state.instances.size === 0) offline.push({ ...state.user })
    }
    return offline
  }

  /** The local users who see this person. */
  watchersOf(id: number): number[] {
    return [...this.#watchers.get(id) ?? []]
  }

  /** Everyone watched here. */
  watched(): number[] {
    return [...this.#watchers.keys()]
  }

  /** The local users watching anyone. */
  watchers(): number[] {
    return [...this.#contacts.keys()]
  }

  /** Instances some watched user is on (their leases are checked too). */
  instances(): string[] {
    const all = new Set<string>()
    for (const state of this.#state.values()) for (const i of state.instances) all.add(i)
    return [...all]
  }
}
