import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { PublicUser } from '#shared/protocol'
import type { ChatCache } from '../utils/chat/chatCache'
import { useConnectionStore } from './connection'

export interface Contact extends PublicUser {
  online: boolean
}

/**
 * People: who this page belongs to, everyone else (names kept for offline reloads) and who is
 * online. Presence is only known while connected: without a link nobody is shown online.
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

  /** Everyone but me, online first, then by name. */
  const contactList = computed(() => Object.values(contacts.value)
    .filter(c => c.id !== me.value?.id)
    .sort((a, b) => Number(b.online) - Number(a.online) || a.username.localeCompare(b.username)))

  /** This page belongs to `user`: adds the names an earlier page kept (all shown offline). */
  function open(user: PublicUser, userCache: ChatCache) {
    me.value = user
    cache = userCache
    for (const u of cache.loadContacts()) {
      if (!contacts.value[u.id]) upsert(u, false)
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

  /** Sets one person; true when they were not known before. */
  function put(user: PublicUser, online?: boolean): boolean {
    const known = contacts.value[user.id]
    contacts.value[user.id] = { id: user.id, username: user.username, online: online ?? known?.online ?? false }
    return !known
  }

  /**
   * Replaces the people list with an HTTP snapshot (GET /api/users) asked for at `mark`
   * (snapshotMark()). The snapshot says who is online, except for people the socket told about
   * after it was asked for: their presence frame is newer.
   */
  function setContacts(users: Contact[], mark: number) {
    const next: Record<number, Contact> = {}
    for (const u of users) {
      const known = contacts.value[u.id]
      const newer = known && (toldAt.get(u.id) ?? -1) > mark
      next[u.id] = { id: u.id, username: u.username, online: newer ? known.online : u.online }
    }
    contacts.value = next
    save()
  }

  /** Nobody is known to be online (a new link: the snapshot that follows says who is). */
  function allOffline() {
    for (const c of Object.values(contacts.value)) c.online = false
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

  return { me, contacts, contactList, open, upsert, presence, snapshotMark, setContacts, allOffline, reset }
})
