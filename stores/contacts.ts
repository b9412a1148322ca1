import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import type { PublicUser } from '#shared/protocol'
import type { ChatCache } from '../utils/chat/chatCache'
import { useConnectionStore } from './connection'

export interface Contact extends PublicUser {
  /** null: nobody told (presence is shown only for people one shares a conversation with). */
  online: boolean | null
}

/** A person as an HTTP snapshot tells of them, with their presence when it says. */
export type Snapshot = PublicUser & { online?: boolean }

/**
 * People: who this page belongs to, the people of the person's conversations and groups (names
 * kept for offline reloads) and who of them is online. Presence is only known while connected:
 * without a link nobody is shown online.
 */
export const useContactsStore = defineStore('contacts', () => {
  const connection = useConnectionStore()
  /** The signed-in user of this page. */
  const me = ref<PublicUser | null>(null)
  const contacts = ref<Record<number, Contact>>({})
  let cache: ChatCache | undefined
  /** Counts presence frames; each person remembers the count when the socket last told of them. */
  let presenceCount = 0
  const toldAt = new Map<number, number>()

  /** This page belongs to `user`: adds the names an earlier page kept (all shown offline). */
  function open(user: PublicUser, userCache: ChatCache) {
    me.value = user
    cache = userCache
    for (const u of cache.loadContacts()) {
      if (!contacts.value[u.id]) put(u, false)
    }
    save()
  }

  /** The socket says who came online and who went offline. */
  function presence(online: readonly PublicUser[], offline: readonly PublicUser[]) {
    presenceCount++
    let added = false
    for (const [list, isOnline] of [[online, true], [offline, false]] as const) {
      for (const u of list) {
        added = put(u, isOnline) || added
        toldAt.set(u.id, presenceCount)
      }
    }
    // One save for the frame: a reconnect wave lists hundreds of people at once.
    if (added) save()
  }

  /** Marks the moment an HTTP snapshot of the people list is asked for (see setContacts). */
  function snapshotMark(): number {
    return presenceCount
  }

  /** Adds or updates one person; `online` undefined keeps what is known. */
  function upsert(user: PublicUser, online?: boolean) {
    if (put(user, online)) save()
  }

  /** Sets one person; true when they were not known before (or had another name). */
  function put(user: PublicUser, online?: boolean): boolean {
    const known = contacts.value[user.id]
    contacts.value[user.id] = { id: user.id, username: user.username, online: online ?? known?.online ?? null }
    return known?.username !== user.username
  }

  /**
   * Takes an HTTP snapshot (conversation summaries, a group's members) asked for at `mark`
   * (snapshotMark()): the people it lists and, where it says, whether they are online — except
   * for people the socket told about after it was asked for: their presence frame is newer.
   */
  function setContacts(users: readonly Snapshot[], mark: number) {
    let changed = false
    for (const u of users) {
      const known = contacts.value[u.id]
      const newer = known && (toldAt.get(u.id) ?? -1) > mark
      changed = put(u, newer ? undefined : u.online) || changed
    }
    if (changed) save()
  }

  /** The name to show for a user id (`fallback` when nobody told it). */
  function nameOf(id: number, fallback: string): string {
    return contacts.value[id]?.username ?? fallback
  }

  /** Nobody is known to be online (a new link: the snapshots that follow say who is). */
  function allOffline() {
    for (const c of Object.values(contacts.value)) {
      if (c.online !== null) c.online = false
    }
    toldAt.clear()
  }

  function save() {
    cache?.saveContacts(Object.values(contacts.value))
  }

  watch(() => connection.status, (status) => {
    if (status !== 'open') allOffline()
  })

  /** Forgets everyone (sign-out, or another user on this page). */
  function reset() {
    me.value = null
    contacts.value = {}
    cache = undefined
    toldAt.clear()
  }

  return { me, contacts, open, upsert, presence, snapshotMark, setContacts, nameOf, allOffline, reset }
})
