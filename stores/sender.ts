import { defineStore } from 'pinia'
import type { ErrorCode } from '#shared/protocol'
import { OutboxFullError, createOutbox, isGroupEntry } from '../utils/chat/outbox'
import type { NewOutboxEntry, Outbox, OutboxEntry, StorageLike } from '../utils/chat/outbox'
import { storageKeys } from '../utils/chat/persisted'
import { useConnectionStore } from './connection'

/** What the sender needs from the outside world, injected so tests control time and storage. */
export interface SenderEnv {
  storage: StorageLike
  newCid: () => string
  setTimeout: (fn: () => void, ms: number) => unknown
  clearTimeout: (id: unknown) => void
  now: () => number
}

/** Pause before sending again a message the server failed to store (an `internal` error). */
export const RETRY_AFTER_MS = 2000
/** Errors after which sending the same message again cannot succeed. */
// (Anything else — rate_limited, busy, internal — is sent again shortly, with the same cid.)
const PERMANENT: ReadonlySet<ErrorCode> = new Set(['bad_frame', 'unknown_user', 'self_message', 'not_member'])

/**
 * Sends what the person writes, to a person or to a group: every message goes into the user's outbox first (so neither a lost
 * link nor a reload loses it) and out to the server once the stream is synced, each at most once per
 * link; the server deduplicates by `cid` what a lost ack makes it see twice. A message the server
 * failed to store is sent again after a pause; one it refused waits for the person. The chat store
 * drives it (it owns the conversation lines these entries show as); timers live in this closure.
 */
export const useSenderStore = defineStore('sender', () => {
  const connection = useConnectionStore()
  let env: SenderEnv | undefined
  let outbox: Outbox | undefined
  /** The stream of the current link is synced: sending may start. */
  let linkSynced = false
  /** Outbox entries already sent on the current link. */
  let sentOnThisLink = new Set<string>()
  /** Pending resends, by cid, each with its undo. */
  const retries = new Map<string, () => void>()

  function need(): SenderEnv {
    if (!env) throw new Error('sender store: call configure() first')
    return env
  }

  function configure(newEnv: SenderEnv) {
    env = newEnv
  }

  /** Loads the outbox of this user (entries a previous page left are sent once synced). */
  function open(userId: number) {
    outbox = createOutbox(need().storage, storageKeys(userId).outbox)
  }

  /** Every entry not yet stored by the server, oldest first. */
  function entries(): readonly OutboxEntry[] {
    return outbox?.list() ?? []
  }

  /**
   * Queues text for `to`, a person's user id or a group's id (send it with `flush`); returns the
   * entry, or why the outbox refused it.
   */
  function add(to: number | string, text: string): OutboxEntry | string {
    if (!outbox) throw new Error('sender store: open() the user\'s outbox first')
    const base = { cid: need().newCid(), text, createdAt: need().now() }
    const entry: NewOutboxEntry = typeof to === 'string' ? { ...base, conv: to } : { ...base, to }
    try {
      return outbox.add(entry)
    }
    catch (error) {
      if (error instanceof OutboxFullError) return 'outbox_full'
      throw error
    }
  }

  /** Sends every queued entry not yet sent on this link, oldest first, once synced. */
  function flush() {
    if (!outbox || !linkSynced || !connection.isOpen) return
    for (const entry of outbox.list()) {
      if (entry.state !== 'queued' || sentOnThisLink.has(entry.cid)) continue
      const frame = isGroupEntry(entry)
        ? { type: 'groupSend' as const, cid: entry.cid, conv: entry.conv, text: entry.text }
        : { type: 'send' as const, cid: entry.cid, to: entry.to, text: entry.text }
      if (!connection.send(frame)) return
      sentOnThisLink.add(entry.cid)
    }
  }

  /** A new link was welcomed: nothing is sent on it until its stream is synced. */
  function linkOpened() {
    linkSynced = false
    sentOnThisLink = new Set()
  }

  /** The new link's stream is synced: send what waits. */
  function linkReady() {
    linkSynced = true
    flush()
  }

  function linkLost() {
    linkSynced = false
  }

  /** The server stored the message (an ack, or its copy on the stream): it leaves the outbox. */
  function stored(cid: string): OutboxEntry | undefined {
    cancelRetry(cid)
    const entry = outbox?.list().find(e => e.cid === cid)
    outbox?.remove(cid)
    return entry
  }

  /**
   * The server answered `code` for this entry: a refusal that a resend cannot fix marks it failed
   * (returned, for the person to retry or discard); anything else is sent again shortly.
   */
  function refused(cid: string, code: ErrorCode): OutboxEntry | undefined {
    const entry = outbox?.list().find(e => e.cid === cid)
    if (!entry) return undefined
    if (!PERMANENT.has(code)) {
      sentOnThisLink.delete(cid)
      scheduleRetry(cid)
      return undefined
    }
    // The code, not the server's English: the page words it in the reader's language.
    outbox!.update(cid, { state: 'failed', error: code })
    return { ...entry, state: 'failed', error: code }
  }

  function scheduleRetry(cid: string) {
    cancelRetry(cid)
    const e = need()
    const id = e.setTimeout(() => {
      retries.delete(cid)
      flush()
    }, RETRY_AFTER_MS)
    retries.set(cid, () => e.clearTimeout(id))
  }

  function cancelRetry(cid: string) {
    retries.get(cid)?.()
    retries.delete(cid)
  }

  /** The person sends a failed entry again, with the same client id. */
  function retry(cid: string) {
    if (!outbox) return
    outbox.update(cid, { state: 'queued', error: undefined })
    sentOnThisLink.delete(cid)
    flush()
  }

  /** The person gives up on a failed entry. */
  function discard(cid: string) {
    cancelRetry(cid)
    outbox?.remove(cid)
  }

  /** Another user on this page, or sign-out: stops sending. Queued messages stay in storage. */
  function reset() {
    for (const cancel of retries.values()) cancel()
    retries.clear()
    outbox = undefined
    linkSynced = false
    sentOnThisLink = new Set()
  }

  return { configure, open, entries, add, flush, linkOpened, linkReady, linkLost, stored, refused, retry, discard, reset }
})
