import { relayTraffic } from '../cluster/traffic'
import { deliverySpans } from './storage/groupReads'

/**
 * Whom a group's line goes to, cached per group: everyone who was ever a member, with the span of
 * seqs that are theirs (after the line that added them, up to the line that says they left). The
 * cache is good for the lines that follow it one by one; a system line (a membership change) or a
 * line after one this instance did not see is read again from storage, where the change is
 * committed before its line is relayed: a removed member gets nothing after their removal, on every
 * instance, whatever order the envelopes arrive in.
 */
interface Entry {
  lastSeq: number
  spans: Array<{ userId: number, joinedSeq: number, leftSeq: number | null }>
  current: number
}

const MAX_GROUPS = 5_000
const cache = new Map<string, Entry>()
const loading = new Map<string, Promise<Entry>>()

function load(conv: string): Promise<Entry> {
  let pending = loading.get(conv)
  if (!pending) {
    relayTraffic.memberReads++
    pending = deliverySpans(conv).then(({ lastSeq, spans }) => {
      const entry = { lastSeq, spans, current: spans.filter(s => s.leftSeq === null).length }
      if (loading.get(conv) === pending) {
        cache.delete(conv)
        if (cache.size >= MAX_GROUPS) cache.delete(cache.keys().next().value!)
        cache.set(conv, entry)
        loading.delete(conv)
      }
      return entry
    }, (error) => {
      loading.delete(conv)
      throw error
    })
    loading.set(conv, pending)
  }
  return pending
}

const recipients = (entry: Entry, seq: number) =>
  entry.spans.filter(s => s.joinedSeq < seq && (s.leftSeq === null || seq <= s.leftSeq)).map(s => s.userId)

/**
 * The users a line goes to: at once from the cache when it follows what the cache knows, else
 * after reading the group again (lines of one group keep their order: they wait for the same read).
 */
export function recipientsOf(conv: string, seq: number, system: boolean): number[] | Promise<number[]> {
  const entry = cache.get(conv)
  if (entry && !system && !loading.has(conv) && seq <= entry.lastSeq + 1) {
    if (seq > entry.lastSeq) entry.lastSeq = seq
    return recipients(entry, seq)
  }
  if (system) loading.delete(conv) // a read started before the change may not include it
  return load(conv).then(e => recipients(e, seq))
}

/** The group's members now (receipts go to them). */
export function currentMembersOf(conv: string): number[] | Promise<number[]> {
  const pick = (e: Entry) => e.spans.filter(s => s.leftSeq === null).map(s => s.userId)
  const entry = cache.get(conv)
  return entry && !loading.has(conv) ? pick(entry) : load(conv).then(pick)
}

/** How many members the group has now, if known here (receipts coalesce for big groups). */
export function memberCountOf(conv: string): number | undefined {
  return cache.get(conv)?.current
}

/** Forgets what is cached (after pub/sub may have lost envelopes: every group is read again). */
export function forgetMembers(): void {
  cache.clear()
  loading.clear()
}
