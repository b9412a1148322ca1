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

  /** Adds or updates one person; `online` undefined keeps what is known. */
  function upsert(user: PublicUser, online?: boolean) {
    const known = contacts.value[user.id]
    contacts.value[user.id] = { id: user.id, username: user.username, online: online ?? known?.online ?? false }
    if (!known) save()
  }

  /**
   * Replaces the people list (from GET /api/users). While the socket is open its presence frames are
   * newer than any HTTP snapshot, so known users keep the online state the socket gave them.
   */
  function setContacts(users: Contact[]) {
    const live = connection.status === 'open'
    const next: Record<number, Contact> = {}
    for (const u of users) {
      const known = contacts.value[u.id]
      next[u.id] = { id: u.id, username: u.username, online: live && known ? known.online : u.online }
    }
    contacts.value = next
    save()
  }

  /** A welcome lists who is online now: everyone else is not. */
  function setOnline(online: PublicUser[]) {
    allOffline()
    for (const u of online) upsert(u, true)
  }

  function allOffline() {
    for (const c of Object.values(contacts.value)) c.online = false
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
  }

  return { me, contacts, contactList, open, upsert, setContacts, setOnline, reset }
})
