import { defineStore } from 'pinia'
import { computed, onScopeDispose, ref, watch } from 'vue'
import type { ErrorFrame, MessageFrame, PublicUser, ServerFrame } from '#shared/protocol'
import { useConnectionStore } from './connection'

export type ItemStatus = 'sending' | 'sent' | 'failed' | 'received'

/** One line of a conversation as the page shows it. */
export interface ChatItem {
  /** Stable key for rendering: the client id for own messages, the server id otherwise. */
  key: string
  id?: string
  cid?: string
  from: number
  to: number
  text: string
  ts: number
  status: ItemStatus
  error?: string
}

export interface Contact extends PublicUser {
  online: boolean
}

/**
 * People, presence and conversations. Listens to the connection store's frames; sends through it.
 */
export const useChatStore = defineStore('chat', () => {
  const connection = useConnectionStore()
  const me = ref<PublicUser | null>(null)
  const contacts = ref<Record<number, Contact>>({})
  const conversations = ref<Record<number, ChatItem[]>>({})
  const unread = ref<Record<number, number>>({})
  const selectedId = ref<number | null>(null)
  /** The latest line for the screen-reader live region. */
  const announcement = ref('')

  const contactList = computed(() => Object.values(contacts.value)
    .filter(c => c.id !== me.value?.id)
    .sort((a, b) => Number(b.online) - Number(a.online) || a.username.localeCompare(b.username)))
  const selected = computed(() => selectedId.value === null ? null : contacts.value[selectedId.value] ?? null)
  const selectedItems = computed(() => selectedId.value === null ? [] : conversations.value[selectedId.value] ?? [])

  function upsertContact(user: PublicUser, online?: boolean) {
    const known = contacts.value[user.id]
    contacts.value[user.id] = { id: user.id, username: user.username, online: online ?? known?.online ?? false }
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
  }

  function conversationWith(peerId: number): ChatItem[] {
    return conversations.value[peerId] ??= []
  }

  function select(peerId: number | null) {
    selectedId.value = peerId
    if (peerId !== null) unread.value[peerId] = 0
  }

  function newCid(): string {
    return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
  }

  /** Sends text to the selected contact; the line shows "sending" until the server acknowledges. */
  function send(text: string): boolean {
    const to = selectedId.value
    if (to === null || !me.value || text.trim() === '') return false
    const cid = newCid()
    const item: ChatItem = { key: cid, cid, from: me.value.id, to, text, ts: Date.now(), status: 'sending' }
    conversationWith(to).push(item)
    transmit(item)
    return true
  }

  /** Sends a failed line again with the same client id. */
  function retry(peerId: number, cid: string) {
    const item = conversationWith(peerId).find(i => i.cid === cid)
    if (!item || item.status !== 'failed') return
    item.status = 'sending'
    item.error = undefined
    transmit(item)
  }

  function transmit(item: ChatItem) {
    if (!connection.send({ type: 'send', cid: item.cid!, to: item.to, text: item.text })) {
      item.status = 'failed'
      item.error = 'Not connected.'
    }
  }

  function findOwn(cid: string): ChatItem | undefined {
    for (const items of Object.values(conversations.value)) {
      const item = items.find(i => i.cid === cid)
      if (item) return item
    }
    return undefined
  }

  function onMessage(frame: MessageFrame) {
    if (!me.value) return
    const own = frame.from === me.value.id
    const peerId = own ? frame.to : frame.from
    const items = conversationWith(peerId)
    if (items.some(i => i.id === frame.id)) return
    if (own && frame.cid) {
      // A copy of a message sent from another of my tabs or devices.
      items.push({ key: frame.cid, id: frame.id, cid: frame.cid, from: frame.from, to: frame.to, text: frame.text, ts: frame.ts, status: 'sent' })
      return
    }
    items.push({ key: frame.id, id: frame.id, from: frame.from, to: frame.to, text: frame.text, ts: frame.ts, status: 'received' })
    const sender = contacts.value[frame.from]?.username ?? 'someone'
    announcement.value = `New message from ${sender}: ${frame.text}`
    if (selectedId.value !== peerId || (typeof document !== 'undefined' && document.hidden)) {
      unread.value[peerId] = (unread.value[peerId] ?? 0) + 1
    }
  }

  function onError(frame: ErrorFrame) {
    if (!frame.cid) return
    const item = findOwn(frame.cid)
    if (!item) return
    item.status = 'failed'
    item.error = frame.message
  }

  function onFrame(frame: ServerFrame) {
    switch (frame.type) {
      case 'welcome':
        me.value = frame.user
        for (const c of Object.values(contacts.value)) c.online = false
        for (const u of frame.online) upsertContact(u, true)
        break
      case 'presence':
        upsertContact(frame.user, frame.online)
        break
      case 'message':
        onMessage(frame)
        break
      case 'ack': {
        const item = findOwn(frame.cid)
        if (item) Object.assign(item, { id: frame.id, ts: frame.ts, status: 'sent', error: undefined })
        break
      }
      case 'error':
        onError(frame)
        break
    }
  }

  onScopeDispose(connection.onFrame(onFrame))

  // A line still "sending" when the link drops has no ack coming: say so and offer a retry.
  watch(() => connection.status, (status) => {
    if (status === 'open') return
    for (const items of Object.values(conversations.value)) {
      for (const item of items) {
        if (item.status === 'sending') {
          item.status = 'failed'
          item.error = 'Connection lost before the server confirmed it.'
        }
      }
    }
    if (status !== 'connecting' && status !== 'reconnecting') {
      for (const c of Object.values(contacts.value)) c.online = false
    }
  })

  /** Forgets everything (sign-out). */
  function reset() {
    me.value = null
    contacts.value = {}
    conversations.value = {}
    unread.value = {}
    selectedId.value = null
    announcement.value = ''
  }

  return {
    me, contacts, contactList, conversations, unread, selectedId, selected, selectedItems, announcement,
    setContacts, select, send, retry, reset,
  }
})
