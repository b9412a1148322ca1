import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../../infra/database/schema'
import { hasRowLocks, useDb } from '../../infra/db'
import { log } from '../../infra/log'
import { useSettings } from '../../infra/settings'
import { commitObserver, readings } from '../../metrics/registry'
import { createGroupCommit } from './groupCommit'
import type { GroupCommit } from './groupCommit'
import type { GroupChange, GroupChangeResult, GroupReceiptInput, GroupSendInput, GroupStoreResult } from './groupModel'
import { applyGroupChange, recordGroupReceipt, runAsync, storeGroupMessages } from './groupWrites'
import type { Steps, WriteContext } from './groupWrites'
import { useSqliteWriter } from './sqlite/writer'
import { STORE_BATCH_MAX, inStoreQueue, isDataError } from './writes'

/**
 * The group writes, on the configured database: on SQLite in the writer thread (off the event
 * loop, in its joined transactions), on PostgreSQL in a pooled transaction with row locks.
 */

/** A new group's id: `g` and 20 base-32 characters (100 random bits: not guessable, not counted). */
export function newGroupId(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv'
  return `g${[...randomBytes(20)].map(b => alphabet[b & 31]).join('')}`
}

export function onPostgres<T>(db: Kysely<Database>, steps: (ctx: WriteContext) => Steps<T>): Promise<T> {
  return db.transaction().execute(trx => runAsync(steps({ qb: trx, lockRows: true, now: Date.now() }), async query => (await trx.executeQuery(query)).rows))
}

let writer: GroupCommit<GroupSendInput, GroupStoreResult> | undefined

function useGroupWriter(): GroupCommit<GroupSendInput, GroupStoreResult> {
  if (writer) return writer
  const created = createGroupCommit<GroupSendInput, GroupStoreResult>({
    commit: async (inputs) => {
      const db = await useDb()
      return hasRowLocks(db) ? onPostgres(db, ctx => storeGroupMessages(ctx, inputs)) : useSqliteWriter().storeGroupMessages(inputs)
    },
    maxBatch: STORE_BATCH_MAX,
    maxPending: useSettings().storeQueueMax,
    maxInFlight: useSettings().databaseUrl ? 1 : 32,
    ...(useSettings().databaseUrl ? {} : { schedule: (fn: () => void) => queueMicrotask(fn) }),
    splitOnError: isDataError,
    onBatchError: (err, size) => log.error('group message batch failed', { size, err }),
    onCommitted: commitObserver(useSettings().databaseUrl ? 'postgresql' : 'sqlite', 'group'),
  })
  readings.storeQueue.group = () => created.pending
  return writer = created
}

/**
 * Stores a group message before anyone is told of it (group commit, like direct messages): a
 * constant number of rows whatever the group's size. Throws `BusyError` when too many wait.
 */
export function storeGroupMessage(input: GroupSendInput): Promise<GroupStoreResult> {
  return useGroupWriter().submit(input)
}

/** Records a member's receipt in a group; null when nothing moved. Counted with the store queue. */
export function storeGroupReceipt(input: GroupReceiptInput): Promise<{ delivered: number, read: number } | null> {
  return inStoreQueue(async () => {
    const db = await useDb()
    return hasRowLocks(db) ? onPostgres(db, ctx => recordGroupReceipt(ctx, input)) : useSqliteWriter().recordGroupReceipt(input)
  })
}

/** Applies a membership change (groupRules.ts decides; groupWrites.ts writes). */
export async function storeGroupChange(change: GroupChange): Promise<GroupChangeResult> {
  const db = await useDb()
  return hasRowLocks(db) ? onPostgres(db, ctx => applyGroupChange(ctx, change)) : useSqliteWriter().applyGroupChange(change)
}
