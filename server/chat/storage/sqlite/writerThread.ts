import { parentPort, workerData } from 'node:worker_threads'
import type BetterSqlite3 from 'better-sqlite3'
import { createSqliteWrites } from './writes'
import type { WriterRequest, WriterResponse, WriterSetup } from './writerProtocol'

/**
 * The SQLite writer thread: owns the only connection that writes messages and receipts, so an
 * fsync or a checkpoint delays only the writes waiting for it, never the event loop. Requests are
 * handled one at a time, in order. WAL checkpoints run here between batches, when nothing waits
 * (or when the log has grown large), never inside a commit. Bundled on its own (see
 * scripts/sqliteWriterSource.mjs) and started from source by writer.ts.
 */
declare const require: (id: string) => unknown

const setup = workerData as WriterSetup
const Database = require(setup.betterSqlite3) as typeof BetterSqlite3
const db = new Database(setup.file)
db.pragma('journal_mode = WAL')
db.pragma('foreign_keys = ON')
db.pragma(`synchronous = ${setup.synchronous}`)
db.pragma('busy_timeout = 5000')
// Checkpoints are ours to schedule (below), not a side effect of whichever commit crosses 1,000 pages.
db.pragma('wal_autocheckpoint = 0')
const writes = createSqliteWrites(db)

/** Requests after which a checkpoint runs even while writes keep coming (the WAL must not grow for ever). */
const CHECKPOINT_AT_LEAST_EVERY = 500
let requests = 0
let sinceCheckpoint = 0
let checkScheduled = false

/** Checkpoints once a turn passes with no new request, or after many requests regardless. */
function checkpointWhenIdle(): void {
  if (checkScheduled) return
  checkScheduled = true
  const seen = requests
  setImmediate(() => {
    checkScheduled = false
    if (requests !== seen && sinceCheckpoint < CHECKPOINT_AT_LEAST_EVERY) return checkpointWhenIdle()
    sinceCheckpoint = 0
    try {
      db.pragma('wal_checkpoint(PASSIVE)')
    }
    catch (error) {
      console.error('[store] WAL checkpoint failed:', (error as Error).message)
    }
  })
}

parentPort!.on('message', (request: WriterRequest) => {
  requests++
  sinceCheckpoint++
  let response: WriterResponse
  try {
    const result = request.op === 'storeMessages' ? writes.storeMessages(request.inputs) : writes.recordReceipt(request.input)
    response = { id: request.id, ok: true, result }
  }
  catch (error) {
    const e = error as { message?: string, code?: string }
    response = { id: request.id, ok: false, error: { message: e.message ?? String(error), code: e.code } }
  }
  parentPort!.postMessage(response)
  checkpointWhenIdle()
})
