import { OutboxSchema, load, remove, save } from './persisted'
import type { OutboxEntry, StorageLike } from './persisted'

export type { OutboxEntry, StorageLike }
export { isGroupEntry } from './persisted'

/** An entry as written, before the outbox gives it its state (to a person or to a group). */
export type NewOutboxEntry = OutboxEntry extends infer E ? E extends OutboxEntry ? Omit<E, 'state'> : never : never

/**
 * Messages written but not yet acknowledged by the server, kept in browser storage so neither a
 * dropped link nor a reload loses them. Bounded: past `max` entries new messages are refused,
 * so a long outage cannot fill the storage quota. Pure apart from the injected storage.
 */
export const OUTBOX_MAX = 200

export class OutboxFullError extends Error {}

export function createOutbox(storage: StorageLike, key: string, max = OUTBOX_MAX) {
  // Tabs of one user share the storage key: every read and change starts from what is stored now,
  // so one tab's acknowledgement never erases another tab's newer entries.
  let entries: OutboxEntry[] = load(storage, key, OutboxSchema, [])

  function reload(): OutboxEntry[] {
    return (entries = load(storage, key, OutboxSchema, []))
  }

  function persist() {
    // Storage full or disabled: the outbox still works for this page's lifetime.
    if (entries.length === 0) remove(storage, key)
    else save(storage, key, entries)
  }

  return {
    /** Every entry, oldest first. */
    list: (): readonly OutboxEntry[] => reload(),
    add(entry: NewOutboxEntry): OutboxEntry {
      reload()
      if (entries.length >= max) throw new OutboxFullError(`At most ${max} messages can wait to be sent; wait for the connection to return.`)
      const full = { ...entry, state: 'queued' } as OutboxEntry
      entries = [...entries, full]
      persist()
      return full
    },
    remove(cid: string) {
      const before = reload().length
      entries = entries.filter(e => e.cid !== cid)
      if (entries.length !== before) persist()
    },
    update(cid: string, patch: Partial<Pick<OutboxEntry, 'state' | 'error'>>) {
      entries = reload().map(e => (e.cid === cid ? { ...e, ...patch } : e))
      persist()
    },
  }
}

export type Outbox = ReturnType<typeof createOutbox>
