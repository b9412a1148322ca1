import * as v from 'valibot'
import { ChatMessageSchema, UserSchema, groupId } from '#shared/protocol'
import { count, id } from '#shared/schema'

/**
 * Everything the browser keeps of a user's chat between page loads, as one schema per shape: the
 * TypeScript types are derived from them, and every read goes through them. Storage is another
 * program's to change (an old version of this app, the person, a browser extension), so a read never
 * throws: an unreadable value counts as missing, and a list keeps its valid entries and drops the rest.
 */

/** The part of `localStorage` the chat uses; tests pass a Map-backed one. */
export interface StorageLike {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

/** The storage key of each thing kept for one user (the user id keeps two accounts apart). */
export function storageKeys(userId: number) {
  return {
    outbox: `jizhan.outbox.${userId}`,
    cursor: `jizhan.cursor.${userId}`,
    contacts: `jizhan.contacts.${userId}`,
    recent: `jizhan.recent.${userId}`,
    groups: `jizhan.groups.${userId}`,
  }
}

/** A list whose invalid entries are dropped one by one instead of failing the whole list. */
function listOf<T>(entry: v.GenericSchema<unknown, T>) {
  return v.pipe(v.array(v.unknown()), v.transform(items => items.flatMap((item) => {
    const parsed = v.safeParse(entry, item)
    return parsed.success ? [parsed.output] : []
  })))
}

const outboxEntry = {
  cid: v.string(),
  text: v.string(),
  createdAt: v.number(),
  /** queued: to be sent (again) when connected; failed: the server refused it, retry by hand. */
  state: v.picklist(['queued', 'failed']),
  error: v.optional(v.string()),
}
/** A message written but not yet acknowledged by the server: to a person, or to a group. */
export const DirectOutboxEntrySchema = v.object({ ...outboxEntry, to: id('to') })
export const GroupOutboxEntrySchema = v.object({ ...outboxEntry, conv: groupId('conv') })
export const OutboxEntrySchema = v.union([DirectOutboxEntrySchema, GroupOutboxEntrySchema])
export type DirectOutboxEntry = v.InferOutput<typeof DirectOutboxEntrySchema>
export type GroupOutboxEntry = v.InferOutput<typeof GroupOutboxEntrySchema>
export type OutboxEntry = DirectOutboxEntry | GroupOutboxEntry
export const OutboxSchema = listOf(OutboxEntrySchema)

/** An entry for a group (as opposed to one for a person). */
export function isGroupEntry(entry: OutboxEntry): entry is GroupOutboxEntry {
  return 'conv' in entry
}

/** Position of the last stream event this browser applied. */
export const CursorSchema = count('cursor')

/** People's names as last seen, in the protocol's user shape (presence is never kept). */
export const ContactsSchema = listOf(UserSchema)

/** The newest lines of one conversation, kept so a page reloaded offline still shows them. */
export const RecentConversationSchema = v.object({
  peer: id('peer'),
  /** Stored messages exactly as the server sent them: the protocol's own schema. */
  messages: listOf(ChatMessageSchema),
  /** How far the peer got with my messages, so cached lines keep their ticks. */
  peerDelivered: v.fallback(count('peerDelivered'), 0),
  peerRead: v.fallback(count('peerRead'), 0),
})
export type RecentConversation = v.InferOutput<typeof RecentConversationSchema>
export const RecentSchema = listOf(RecentConversationSchema)

/**
 * The groups this browser shows: their names (so a page reloaded offline lists them) and `seq`, the
 * last line of each it has, which the next `resume` asks the server to continue after.
 */
export const KeptGroupSchema = v.object({ conv: groupId('conv'), name: v.string(), seq: count('seq') })
export type KeptGroup = v.InferOutput<typeof KeptGroupSchema>
export const GroupsSchema = listOf(KeptGroupSchema)

/** Reads and validates one key; `fallback` when it is missing, not JSON or not of the schema's shape. */
export function load<T>(storage: StorageLike, key: string, schema: v.GenericSchema<unknown, T>, fallback: T): T {
  let raw: unknown
  try {
    const text = storage.getItem(key)
    if (text === null) return fallback
    raw = JSON.parse(text)
  }
  catch {
    return fallback
  }
  const parsed = v.safeParse(schema, raw)
  return parsed.success ? parsed.output : fallback
}

/** Writes one key; a full or disabled storage is ignored (the page works, the next one knows less). */
export function save(storage: StorageLike, key: string, value: unknown): void {
  try {
    storage.setItem(key, JSON.stringify(value))
  }
  catch {
    // Storage full or disabled.
  }
}

export function remove(storage: StorageLike, key: string): void {
  try {
    storage.removeItem(key)
  }
  catch {
    // Nothing to remove, or storage disabled.
  }
}
