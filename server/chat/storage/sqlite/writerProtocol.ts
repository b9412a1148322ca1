import type { ReceiptEvent, ReceiptInput, StoreInput, StoreResult } from '../model'
import type { RetentionBatch } from '../retentionWrites'
import type { GroupChange, GroupChangeResult, GroupReceiptInput, GroupSendInput, GroupStoreResult } from '../groupModel'
import type { LogOptions } from '../../../infra/log'

/** What the main thread and the SQLite writer thread say to each other. */

export interface WriterSetup {
  /** The database file (already created and migrated by the main thread). */
  file: string
  synchronous: 'FULL' | 'NORMAL'
  /** Where better-sqlite3 is, resolved by the main thread (the thread runs from source, not a file). */
  betterSqlite3: string
  /** The main thread's log options (level, format, instance, hidden values): the thread logs alike. */
  log: LogOptions
}

export type WriterRequest
  = | { id: number, op: 'storeMessages', inputs: StoreInput[] }
    | { id: number, op: 'recordReceipt', input: ReceiptInput }
    | { id: number, op: 'query', sql: string, parameters: readonly unknown[] }
    | { id: number, op: 'storeGroupMessages', inputs: GroupSendInput[] }
    | { id: number, op: 'recordGroupReceipt', input: GroupReceiptInput }
    | { id: number, op: 'applyGroupChange', change: GroupChange }
    | { id: number, op: 'deleteMessages', ids: readonly number[] }

/** What a query compiled by Kysely returns (its QueryResult): rows, or what a write changed. */
export interface QueryOutcome { rows: unknown[], numAffectedRows?: bigint, insertId?: bigint }

export type WriterResponse
  = | { id: number, ok: true, result: StoreResult[] | ReceiptEvent[] | QueryOutcome | GroupStoreResult[] | { delivered: number, read: number } | null | GroupChangeResult | RetentionBatch }
    | { id: number, ok: false, error: { message: string, code?: string } }
