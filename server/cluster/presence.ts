import type { PublicUser } from '#shared/protocol'

/**
 * Who is online across every instance: instance id → the users with at least one socket there.
 * A user is online while any instance has them. Pure data, no I/O: the local pool feeds this
 * instance's entry, the Redis bus feeds the others'.
 */
export class Presence {
  readonly #users = new Map<number, { user: PublicUser, instances: Set<string> }>()
  readonly #byInstance = new Map<string, Map<number, PublicUser>>()

  /** The user has a socket on `instance`; true when they were offline everywhere before. */
  add(instance: string, user: PublicUser): boolean {
    let users = this.#byInstance.get(instance)
    if (!users) this.#byInstance.set(instance, users = new Map())
    users.set(user.id, { id: user.id, username: user.username })
    const entry = this.#users.get(user.id)
    if (entry) {
      entry.instances.add(instance)
      return false
    }
    this.#users.set(user.id, { user: { id: user.id, username: user.username }, instances: new Set([instance]) })
    return true
  }

  /** The user has no socket left on `instance`; the user when they are now offline everywhere. */
  remove(instance: string, userId: number): PublicUser | null {
    const users = this.#byInstance.get(instance)
    if (!users?.delete(userId)) return null
    if (users.size === 0) this.#byInstance.delete(instance)
    const entry = this.#users.get(userId)!
    entry.instances.delete(instance)
    if (entry.instances.size > 0) return null
    this.#users.delete(userId)
    return entry.user
  }

  /**
   * Replaces everything known about `instance` (a snapshot read from Redis, or an instance that
   * re-announced itself); returns who came online and who went offline everywhere because of it.
   */
  replaceInstance(instance: string, users: readonly PublicUser[]): { online: PublicUser[], offline: PublicUser[] } {
    const next = new Map(users.map(u => [u.id, u]))
    const offline: PublicUser[] = []
    for (const id of [...this.#byInstance.get(instance)?.keys() ?? []]) {
      if (next.has(id)) continue
      const gone = this.remove(instance, id)
      if (gone) offline.push(gone)
    }
    const online = users.filter(u => this.add(instance, u))
    return { online, offline }
  }

  /** Forgets an instance (it stopped or its lease expired); returns who went offline everywhere. */
  dropInstance(instance: string): PublicUser[] {
    return this.replaceInstance(instance, []).offline
  }

  /** Instances with at least one user. */
  instances(): string[] {
    return [...this.#byInstance.keys()]
  }

  isOnline(userId: number): boolean {
    return this.#users.has(userId)
  }

  /** Every user online somewhere, once each. */
  onlineUsers(): PublicUser[] {
    return [...this.#users.values()].map(e => ({ ...e.user }))
  }
}

/** Who is online on every instance; this instance's entry follows the local pool (socket/membership.ts). */
export const presence = new Presence()
