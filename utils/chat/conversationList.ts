/**
 * One list of every conversation the person has, direct and groups together, newest activity
 * first (docs: issue 12). Pure: the store builds the entries, this orders them.
 */
interface Entry {
  /** Unique across both kinds: `u<id>` for a person, the group id for a group. */
  key: string
  name: string
  unread: number
  /** When the newest line was written (ms), or the conversation was started here; 0 when unknown. */
  activity: number
}
export interface DirectEntry extends Entry {
  kind: 'direct'
  peer: number
  /** null: not known (presence is only told about people one shares a conversation with). */
  online: boolean | null
}
export interface GroupEntry extends Entry {
  kind: 'group'
  conv: string
  memberCount: number
  /** The person is no longer a member (the group stays listed, marked). */
  left: boolean
}
export type ListEntry = DirectEntry | GroupEntry

/** Newest activity first; equal ones by name, so the order is stable. */
export function byActivity(entries: ListEntry[]): ListEntry[] {
  return [...entries].sort((a, b) => b.activity - a.activity || a.name.localeCompare(b.name) || a.key.localeCompare(b.key))
}
