import { deliverHere } from '../chat/deliver'
import { deliverLineHere } from '../chat/groupDeliver'
import { deliverReceiptHere } from '../chat/groupReceipts'
import { resyncConnections } from '../chat/replay'
import { currentMembersOf, recipientsOf } from '../chat/groupMembers'
import { deliverTypingHere } from '../chat/typing'
import { log } from '../infra/log'
import { broadcastPresence } from '../socket/presenceBroadcast'
import { closeAccountHere, closeSessionsHere } from '../socket/sessions'
import { pool } from '../utils/pool'
import { instanceId } from './cluster'
import { presence } from './presence'
import type { ClusterHandlers } from './redis'

/** What this instance does with what the others say (Redis mode). */
export const clusterHandlers: ClusterHandlers = {
  events(events) {
    for (const e of events) deliverHere(e)
  },
  groupLine: (line, member) => deliverLineHere(line, undefined, member),
  groupReceipt: (conv, text, member) => deliverReceiptHere(conv, text, member),
  typing: (note, member) => deliverTypingHere(note, member),
  // (Not a system line here: the local delivery of a system line has started reading the group.)
  lineRecipients: (conv, seq) => recipientsOf(conv, seq, false),
  membersOf: conv => currentMembersOf(conv),
  presence(instance, user, online) {
    if (online) {
      if (presence.add(instance, user)) broadcastPresence(user, true)
    }
    else {
      const gone = presence.remove(instance, user.id)
      if (gone) broadcastPresence(gone, false)
    }
  },
  snapshot(instance, users) {
    const { online, offline } = presence.replaceInstance(instance, users)
    for (const u of online) broadcastPresence(u, true)
    for (const u of offline) broadcastPresence(u, false)
  },
  gone(instances) {
    for (const instance of instances) {
      if (instance === instanceId) continue
      for (const u of presence.dropInstance(instance)) broadcastPresence(u, false)
    }
  },
  sessions(hashes, why, user) {
    if (why === 'account_disabled' && user !== undefined) closeAccountHere(user, hashes)
    else closeSessionsHere(hashes, why)
  },
  resync: () => void resyncConnections().catch(err => log.error('cluster catch-up failed', { err })),
  localUsers: () => pool.onlineUsers(),
  knownInstances: () => presence.instances(),
}
