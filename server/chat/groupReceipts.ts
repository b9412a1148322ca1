import { encodeFrame } from '#shared/protocol'
import { useCluster } from '../cluster/cluster'
import { log } from '../infra/log'
import { useSettings } from '../infra/settings'
import { pool } from '../utils/pool'
import { currentMembersOf, memberCountOf } from './groupMembers'
import { membersOf } from './storage/groupReads'

/**
 * A member's receipts moved: their group learns it (`groupReceipt`, live only). In a big group
 * every read would otherwise be a frame to every member (a thousand readers, a million frames), so
 * from NUXT_GROUP_RECEIPTS_COALESCE_AT members the changes of one second go out together in one
 * frame, each member's newest positions once.
 */
const pending = new Map<string, Map<number, { delivered: number, read: number }>>()

export function relayGroupReceiptChange(conv: string, user: number, delivered: number, read: number): void {
  const count = memberCountOf(conv)
  if (count === undefined || count < useSettings().groupReceiptsCoalesceAt) return send(conv, [{ user, delivered, read }])
  let changes = pending.get(conv)
  if (!changes) {
    pending.set(conv, changes = new Map())
    setTimeout(() => {
      pending.delete(conv)
      send(conv, [...changes!].map(([user, r]) => ({ user, ...r })))
    }, 1000).unref()
  }
  changes.set(user, { delivered, read })
}

type Receipt = { user: number, delivered: number, read: number }
const receiptText = (conv: string, receipts: Receipt[]) => encodeFrame({ type: 'groupReceipt', conv, receipts })

/**
 * Every current member's positions, as one `groupReceipt` (read from storage): sent again after
 * receipts may have been lost (chat/replay.ts). The client keeps the highest position it has seen,
 * so a repeat changes nothing.
 */
export async function receiptsNow(conv: string): Promise<string> {
  return receiptText(conv, (await membersOf(conv)).map(m => ({ user: m.id, delivered: m.delivered, read: m.read })))
}

function send(conv: string, receipts: Receipt[]): void {
  const text = receiptText(conv, receipts)
  deliverReceiptHere(conv, text)
  useCluster().publishGroupReceipt(conv, text)
}

/** Hands a receipt frame to the sockets here of the group's current members (`member`: of that one only). */
export function deliverReceiptHere(conv: string, text: string, member?: number): void {
  const users = currentMembersOf(conv)
  const fan = (all: number[]) => {
    const ids = member === undefined ? all : all.filter(id => id === member)
    for (const id of ids) for (const conn of pool.connectionsOf(id)) if (conn.groups.position(conv) !== undefined) conn.send(text)
  }
  if (Array.isArray(users)) fan(users)
  else users.then(fan, err => log.error('group members unreadable', { conv, err }))
}
