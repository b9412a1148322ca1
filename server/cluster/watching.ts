import type { PublicUser } from '#shared/protocol'

/**
 * Whose presence this instance watches (issue 15), pure. A user with a socket here watches their
 * contacts (the people who share a conversation with them: presenceAudience.ts, which is
 * symmetric); the instance follows each watched person's presence channel once, however many of its
 * users watch them, and remembers which instances that person is on (every presence envelope
 * carries the whole set, read from Redis in the same script that changed it). So a presence change
 * reaches only the instances whose users see it, and when an instance dies each instance marks its
 * watched users who were only there offline without asking anyone.
 *
 * Every state comes with its version (redisPresence.ts: Redis numbers each person's changes, and a
 * read says which version it saw), so whatever arrives late (an envelope overtaken by a read, a
 * read overtaken by an envelope) never replaces a newer state.
 */
interface Watched {
  /** Their name is known once a read or an envelope said it ('' until then). */
  user: PublicUser
  instances: Set<string>
  /** The version of the state held (0: none yet). */
  version: number
  /**
   * Whether the watchers were told a state yet. Until then the first state known is told, changed
   * or not: their people lists (HTTP) may be older than it.
   */
  told: boolean
  /** How many people see them in all (their publisher says so), when known. */
  audience?: number
}

export class Watching {
  /** Watched person → the local users who see them. */
  readonly #watchers = new Map<number, Set<number>>()
  /** Local user → whom they watch. */
  readonly #contacts = new Map<number, Set<number>>()
  readonly #state = new Map<number, Watched>()

  /**
   * Sets whom a local user watches (their contacts now); returns the people watched by nobody here
   * before (to follow and read), those watched by nobody here any more (to stop following), and
   * those this watcher watches newly whom others here watched already (their state is known here:
   * the watcher is told it, as a read would tell them).
   */
  watch(watcher: number, contacts: Iterable<number>): { added: number[], removed: number[], joined: number[] } {
    const next = new Set(contacts)
    next.delete(watcher)
    const before = this.#contacts.get(watcher) ?? new Set<number>()
    const added: number[] = []
    const removed: number[] = []
    const joined: number[] = []
    for (const id of next) {
      if (before.has(id)) continue
      let set = this.#watchers.get(id)
      if (!set) {
        this.#watchers.set(id, set = new Set())
        this.#state.set(id, { user: { id, username: '' }, instances: new Set(), version: 0, told: false })
        added.push(id)
      }
      else joined.push(id)
      set.add(watcher)
    }
    for (const id of before) if (!next.has(id) && this.#drop(id, watcher)) removed.push(id)
    if (next.size > 0) this.#contacts.set(watcher, next)
    else this.#contacts.delete(watcher)
    return { added, removed, joined }
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
   * A presence envelope: the user is on these instances as of `version`. Applied only when newer
   * than the state held; without a version (an envelope from an older instance) as it comes.
   * Returns what to tell the watchers (#report), else null (nobody watches them, or nothing new).
   */
  apply(user: PublicUser, instances: readonly string[], version?: number, audience?: number): boolean | null {
    const state = this.#state.get(user.id)
    if (!state || (version !== undefined && version <= state.version)) return null
    return this.#report(state, user, instances, version, audience)
  }

  /**
   * A read of Redis (the first after following the user, or again after lost envelopes). Applied
   * at the version held too: a read that saw version v is never older than envelope v, and it
   * repairs what was changed here without a version (an instance dropped by mistake).
   */
  read(user: PublicUser, instances: readonly string[], version: number): boolean | null {
    const state = this.#state.get(user.id)
    if (!state || version < state.version) return null
    return this.#report(state, user, instances, version)
  }

  /**
   * Takes the new state; returns it when the watchers must be told: it changed (online ↔ offline
   * anywhere), or they were never told one (an offline arriving before the first read changes
   * nothing here, yet their people list may show the person online). Null while the name is
   * unknown (offline since before a read's window: redisPresence.ts): a presence frame names them.
   */
  #report(state: Watched, user: PublicUser, instances: readonly string[], version: number | undefined, audience?: number): boolean | null {
    const was = state.instances.size > 0
    this.#set(state, user, instances, version, audience)
    const now = state.instances.size > 0
    if (state.user.username === '' || (was === now && state.told)) return null
    state.told = true
    return now
  }

  #set(state: Watched, user: PublicUser, instances: readonly string[], version: number | undefined, audience?: number): void {
    state.user = { id: user.id, username: user.username || state.user.username }
    state.instances = new Set(instances)
    if (version !== undefined) state.version = version
    if (audience !== undefined) state.audience = audience
  }

  /**
   * An instance died or left: the watched users who were only there, now offline. Their version
   * stays: a late envelope from before is still older, the next change is newer, and a read of
   * that version (Redis still had the instance: a drop by mistake, or its clean-up not done yet)
   * puts it back; a dead one is dropped again by the next lease check.
   */
  dropInstance(instance: string): PublicUser[] {
    const offline: PublicUser[] = []
    for (const state of this.#state.values()) {
      if (state.instances.delete(instance) && state.instances.size === 0) offline.push({ ...state.user })
    }
    return offline
  }

  /** The watched person as known here (their name, once told); undefined when nobody watches them. */
  userOf(id: number): PublicUser | undefined {
    const state = this.#state.get(id)
    return state && { ...state.user }
  }

  /**
   * Whether the person is online as far as this instance knows; null while their name is unknown
   * (nothing read or told of them yet, or offline since before the first read's window).
   */
  known(id: number): boolean | null {
    const state = this.#state.get(id)
    return !state || state.user.username === '' ? null : state.instances.size > 0
  }

  /** How many people see this person in all, as their last envelope said (undefined: not said). */
  audienceOf(id: number): number | undefined {
    return this.#state.get(id)?.audience
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
