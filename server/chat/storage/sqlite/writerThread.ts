import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import type BetterSqlite3 from 'better-sqlite3'
import { configureLog, log } from '../../../infra/log'
import { createSqliteWrites } from './writes'
import type { QueryOutcome, WriterRequest, WriterResponse, WriterSetup } from './writerProtocol'

/**
 * The SQLite writer thread: owns the only connection that writes messages and receipts, so an
 * fsync or a checkpoint delays only the writes waiting for it, never the event loop. Whatever the
 * main thread sent while the last commit was under way is written by the next one: all queued
 * requests, in order, in one transaction (one fsync), each in a savepoint of its own so that one
 * failing request fails alone. WAL checkpoints run here, every few seconds while writes come and
 * once after the last, never inside a commit. Bundled on its
 * own (scripts/sqliteWriterSource.mjs) and started from source by writer.ts.
 */
declare const require: (id: string) => unknown

const setup = workerData as WriterSetup
configureLog(setup.log)
const Database = require(setup.betterSqlite3) as typeof BetterSqlite3
const db = new Database(setup.file)
db.pragma('journal_mode = WAL')
db.pragma('foreign_keys = ON')
db.pragma(`synchronous = ${setup.synchronous}`)
db.pragma('busy_timeout = 5000')
// Checkpoints are ours to schedule (below), not a side effect of whichever commit crosses 1,000 pages.
db.pragma('wal_autocheckpoint = 0')
const writes = createSqliteWrites(db)
const port = parentPort!

/** Most requests joined into one transaction (a bound on how long one commit may take). */
const MAX_JOINED = 64
/**
 * A checkpoint at most this often, after a write: often enough to keep the WAL small, rarely
 * enough that a quiet server's messages do not pay for one each (a checkpoint makes the next
 * commit start the log afresh, an extra millisecond here). After the last write, one more.
 */
const CHECKPOINT_EVERY_MS = 5_000

/**
 * A query Kysely compiled on the main thread (accounts, sessions, tickets: writes that would
 * otherwise wait for the database lock on the event loop), answered as Kysely's SQLite driver
 * would. Its own transaction, or a savepoint when joined like any request.
 */
const runQuery = db.transaction(({ sql, parameters }: { sql: string, parameters: readonly unknown[] }): QueryOutcome => {
  const statement = db.prepare(sql)
  if (statement.reader) return { rows: statement.all(parameters) }
  const { changes, lastInsertRowid } = statement.run(parameters)
  return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) }
})

function handle(request: WriterRequest): WriterResponse {
  try {
    const result = request.op === 'storeMessages'
      ? writes.storeMessages(request.inputs)
      : request.op === 'query'
        ? runQuery.immediate(request)
        : request.op === 'recordReceipt'
          ? writes.recordReceipt(request.input)
          : request.op === 'storeGroupMessages'
            ? writes.storeGroupMessages(request.inputs)
            : request.op === 'recordGroupReceipt'
              ? writes.recordGroupReceipt(request.input)
              : request.op === 'deleteMessages' ? writes.deleteMessages(request.ids) : writes.applyGroupChange(request.change)
    return { id: request.id, ok: true, result }
  }
  catch (error) {
    const e = error as { message?: string, code?: string }
    return { id: request.id, ok: false, error: { message: e.message ?? String(error), code: e.code } }
  }
}

/** The joined transaction was rolled back under a request: the batch is abandoned. */
class TransactionAborted extends Error {}

/**
 * The requests in one transaction; each one's own transaction becomes a savepoint inside it. An
 * error that rolls back the whole transaction, not only the request's savepoint (SQLITE_FULL, an
 * I/O error may), ends it: the requests after it would run outside it, each committing on its own,
 * and then be written again below (a message answered as a duplicate, a receipt as no change).
 */
const joined = db.transaction((requests: WriterRequest[]) => requests.map((request) => {
  const response = handle(request)
  if (!db.inTransaction) throw new TransactionAborted()
  return response
}))

let lastCheckpoint = Date.now()
let idleTimer: ReturnType<typeof setTimeout> | undefined

function checkpoint(): void {
  lastCheckpoint = Date.now()
  try {
    db.pragma('wal_checkpoint(PASSIVE)')
  }
  catch (err) {
    log.error('wal checkpoint failed', { err })
  }
}

port.on('message', (first: WriterRequest) => {
  clearTimeout(idleTimer)
  const requests = [first]
  while (requests.length < MAX_JOINED) {
    const next = receiveMessageOnPort(port)
    if (!next) break
    requests.push(next.message as WriterRequest)
  }
  let responses: WriterResponse[]
  try {
    responses = requests.length === 1 ? [handle(first)] : joined.immediate(requests)
  }
  catch {
    // The joined transaction failed as a whole (its commit, or an error that aborted it): nothing
    // of it was kept, so each request is written again, alone.
    responses = requests.map(handle)
  }
  for (const response of responses) port.postMessage(response)
  if (Date.now() - lastCheckpoint > CHECKPOINT_EVERY_MS) checkpoint()
  else idleTimer = setTimeout(checkpoint, CHECKPOINT_EVERY_MS)
})
