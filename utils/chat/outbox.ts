/**
 * Messages written but not yet acknowledged by the server, kept in browser storage so neither a
 * dropped link nor a reload loses them. Bounded: past `max` entries new messages are refused,
 * so a long outage cannot fill the storage quota. Pure apart from the injected storage.
 */
export interface OutboxEntry {
  cid: string
  to: number
  text: string
  createdAt: number
  /** queued: to be sent (again) when connected; failed: the server refused it, retry by hand. */
  state: 'queued' | 'failed'
  error?: string
}

/** The part of `localStorage` the outbox needs. */
export interface StorageLike {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

export const OUTBOX_MAX = 200

export class OutboxFullError extends Error {}

export function createOutbox(storage: StorageLike, key: string, max = OUTBOX_MAX) {
  // Tabs of one user share the storage key: every read and change starts from what is stored now,
  // so one tab's acknowledgement never erases another tab's newer entries.
  let entries: OutboxEntry[] = load()

  function load(): OutboxEntry[] {
    try {
      const parsed: unknown = JSON.parse(storage.getItem(key) ?? '[]')
      return Array.isArray(parsed) ? parsed.filter(isEntry) : []
    }
    catch {
      return []
    }
  }

  function save() {
    try {
      if (entries.length === 0) storage.removeItem(key)
      else storage.setItem(key, JSON.stringify(entries))
    }
    catch {
      // Storage full or disabled: the outbox still works for this page's lifetime.
    }
  }

  return {
    /** Every entry, oldest first. */
    list: (): readonly OutboxEntry[] => (entries = load()),
    add(entry: Omit<OutboxEntry, 'state'>): OutboxEntry {
      entries = load()
      if (entries.length >= max) throw new OutboxFullError(`At most ${max} messages can wait to be sent; wait for the connection to return.`)
      const full: OutboxEntry = { ...entry, state: 'queued' }
      entries = [...entries, full]
      save()
      return full
    },
    remove(cid: string) {
      entries = load()
      const before = entries.length
      entries = entries.filter(e => e.cid !== cid)
      if (entries.length !== before) save()
    },
    update(cid: string, patch: Partial<Pick<OutboxEntry, 'state' | 'error'>>) {
      entries = load().map(e => (e.cid === cid ? { ...e, ...patch } : e))
      save()
    },
  }
}

export type Outbox = ReturnType<typeof createOutbox>

function isEntry(v: unknown): v is OutboxEntry {
  const e = v as OutboxEntry
  return typeof e === 'object' && e !== null && typeof e.cid === 'string' && Number.isSafeInteger(e.to)
    && typeof e.text === 'string' && typeof e.createdAt === 'number' && (e.state === 'queued' || e.state === 'failed')
}
