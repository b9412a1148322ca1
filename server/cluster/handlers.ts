import { deliverHere } from '../chat/deliver'
import { deliverLineHere } from '../chat/groupDeliver'
import { deliverReceiptHere } from '../chat/groupReceipts'
import { resyncConnections } from '../chat/replay'
import { currentMembersOf, recipientsOf } from '../chat/groupMembers'
import { deliverTypingHere } from '../chat/typing'
import { log } from '../infra/log'
import { forgetAudiences, knownAudienceSize } from '../socket/presenceAudience'
import { broadcastPresence } from '../socket/presenceBroadcast'
import { closeAccountHere, closeSessionsHere } from '../socket/sessions'
import { pool } from '../utils/pool'
import type { ClusterHandlers } from './receive'
import { createResyncRunner } from './resyncRunner'

/** Catch-ups merged while one runs, and retried until one succeeds (resyncRunner.ts). */
const resyncs = createResyncRunner(resyncConnections, { onError: err => log.error('cluster catch-up failed', { err }) })

/** What this instance does with what the others say (Redis mode). */
export const clusterHandlers: ClusterHandlers = {
  events(events) {
    for (const e of events) deliverHere(e)
  },
  groupLine: (line, member) => deliverLineHere(line, undefined, member),
  groupReceipt: (conv, text, member) => deliverReceiptHere(conv, text, member),
  typing: (note, member) => deliverTypingHere(note, member),
  // (Not a system line at first: the local delivery of a system line has started reading the group.)
  lineRecipients: (conv, seq, fresh = false) => recipientsOf(conv, seq, fresh),
  membersOf: conv => currentMembersOf(conv),
  presence: (user, online, watchers, audience) => broadcastPresence(user, online, watchers, audience),
  audienceSize: userId => knownAudienceSize(userId),
  contacts: users => forgetAudiences(users),
  sessions(hashes, why, user) {
    if (why === 'account_disabled' && user !== undefined) closeAccountHere(user, hashes)
    else closeSessionsHere(hashes, why)
  },
  resync: () => resyncs.request(),
  localUsers: () => pool.onlineUsers(),
}
