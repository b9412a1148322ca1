import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import source from '#sqlite-writer-source'
import { sqliteFile } from '../../../infra/db'
import { log, logOptions } from '../../../infra/log'
import { useSettings } from '../../../infra/settings'
import { readings } from '../../../metrics/registry'
import type { QueryOutcome, WriterRequest, WriterResponse, WriterSetup } from './writerProtocol'
import type { ReceiptEvent, ReceiptInput, StoreInput, StoreResult } from '../model'
import type { RetentionBatch } from '../retentionWrites'
import type { GroupChange, GroupChangeResult, GroupReceiptInput, GroupSendInput, GroupStoreResult } from '../groupModel'

/**
 * The main thread's side of the SQLite writer thread (writerThread.ts): requests go out in order,
 * each answered by its promise. A thread that dies (it should not) fails what it had in hand with
 * the reason and is started again for a later request, so one bad moment does not stop writing;
 * one that keeps failing (a file it cannot open) is started again at most every few seconds.
 */
export interface SqliteWriter {
  storeMessages(inputs: StoreInput[]): Promise<StoreResult[]>
  recordReceipt(input: ReceiptInput): Promise<ReceiptEvent[]>
  storeGroupMessages(inputs: GroupSendInput[]): Promise<GroupStoreResult[]>
  recordGroupReceipt(input: GroupReceiptInput): Promise<{ delivered: number, read: number } | null>
  applyGroupChange(change: GroupChange): Promise<GroupChangeResult>
  /** Deletes old messages and cuts their streams (message retention), one transaction. */
  deleteMessages(ids: readonly number[]): Promise<RetentionBatch>
  /** Runs a query compiled by Kysely (writerDialect.ts) in the thread. */
  query(compiled: { sql: string, parameters: readonly unknown[] }): Promise<QueryOutcome>
  /** Stops the thread after the requests already sent. */
  close(): Promise<void>
  /** Requests sent and not answered yet (the thread's queue, the one being written included). */
  readonly waiting: number
}

/** An error the writer thread reported, with the SQLite code (e.g. SQLITE_CONSTRAINT_UNIQUE). */
export class WriterError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message)
  }
}

type Waiter = { resolve: (value: never) => void, reject: (error: unknown) => void, thread: Worker }

/**
 * After the thread failed, requests are refused at once for this long before it is started again,
 * doubling with each failure in a row (a file it cannot open must not cost a thread per request).
 */
const RESTART_AFTER_MS = 100
const RESTART_AFTER_MAX_MS = 5_000

export function startSqliteWriter(file: string, synchronous: WriterSetup['synchronous']): SqliteWriter {
  const setup: WriterSetup = { file, synchronous, betterSqlite3: createRequire(import.meta.url).resolve('better-sqlite3'), log: logOptions() }
  let worker: Worker | undefined
  let nextId = 0
  const waiting = new Map<number, Waiter>()
  let closing: Promise<void> | undefined
  /** Failures in a row (none since the thread last answered), when it may start again, and why. */
  let failures = 0
  let restartAt = 0
  let failure: Error | undefined

  function thread(): Worker {
    if (worker) return worker
    const wait = restartAt - Date.now()
    if (wait > 0) throw new Error(`the SQLite writer thread failed (${failure?.message}); it is started again in ${wait} ms`)
    const w = new Worker(source, { eval: true, workerData: setup })
    // The thread never keeps the process alive by itself: shutdown closes it after the drain.
    w.unref()
    w.on('message', (response: WriterResponse) => {
      failures = 0
      const waiter = waiting.get(response.id)
      if (!waiter) return
      waiting.delete(response.id)
      if (response.ok) waiter.resolve(response.result as never)
      else waiter.reject(new WriterError(response.error.message, response.error.code))
    })
    const failAll = (reason: unknown) => {
      const error = reason instanceof Error ? reason : new Error(String(reason))
      if (worker === w) {
        worker = undefined
        failure = error
        restartAt = Date.now() + Math.min(RESTART_AFTER_MAX_MS, RESTART_AFTER_MS * 2 ** failures++)
      }
      // Only what this thread had in hand (a thread started since has its own).
      for (const [id, waiter] of waiting) {
        if (waiter.thread !== w) continue
        waiting.delete(id)
        waiter.reject(error)
      }
    }
    w.on('error', (err) => {
      log.error('sqlite writer thread failed', { err })
      failAll(err)
    })
    w.on('exit', code => failAll(new Error(`the SQLite writer thread exited (${code})`)))
    worker = w
    return w
  }

  function request<T>(message: WriterRequest extends infer R ? R extends WriterRequest ? Omit<R, 'id'> : never : never): Promise<T> {
    if (closing) return Promise.reject(new Error('the SQLite writer is closed'))
    const id = ++nextId
    return new Promise<T>((resolve, reject) => {
      // A thread that cannot be started (or not yet again) refuses the request: nothing waits.
      const w = thread()
      waiting.set(id, { resolve: resolve as Waiter['resolve'], reject, thread: w })
      try {
        w.postMessage({ ...message, id } as WriterRequest)
      }
      catch (error) {
        waiting.delete(id)
        throw error
      }
    })
  }

  return {
    storeMessages: inputs => request({ op: 'storeMessages', inputs }),
    recordReceipt: input => request({ op: 'recordReceipt', input }),
    query: ({ sql, parameters }) => request({ op: 'query', sql, parameters }),
    storeGroupMessages: inputs => request({ op: 'storeGroupMessages', inputs }),
    recordGroupReceipt: input => request({ op: 'recordGroupReceipt', input }),
    applyGroupChange: change => request({ op: 'applyGroupChange', change }),
    deleteMessages: ids => request({ op: 'deleteMessages', ids }),
    close() {
      closing ??= (async () => {
        // What was sent is answered first (bounded: a thread that hangs is stopped anyway).
        for (let i = 0; i < 500 && waiting.size > 0; i++) await new Promise(resolve => setTimeout(resolve, 10))
        await worker?.terminate()
      })()
      return closing
    },
    get waiting() {
      return waiting.size
    },
  }
}

let writer: SqliteWriter | undefined

/** This process's SQLite writer thread (started on first use; the database is migrated by then). */
export function useSqliteWriter(): SqliteWriter {
  if (writer) return writer
  const { dataDir, sqliteSynchronous } = useSettings()
  const started = startSqliteWriter(sqliteFile(dataDir), sqliteSynchronous)
  readings.sqliteWriterRequests = () => started.waiting
  return writer = started
}

/** Closes the writer thread, if it was started, after what it has in hand (shutdown). */
export async function closeSqliteWriter(): Promise<void> {
  await writer?.close()
}
