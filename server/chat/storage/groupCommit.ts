/**
 * Group commit: writes submitted while a batch is being written, or within the same turn of the
 * event loop, are written together by one `commit` — one transaction, one fsync — instead of one
 * each. Each caller's promise settles only after its batch's `commit` settled, so an acknowledgement
 * still follows durability. A batch is all or nothing. Batches are handed to `commit` in submission
 * order, one at a time unless `maxInFlight` says otherwise. Pure: no I/O of its own.
 */
export interface GroupCommitOptions<I, O> {
  /** Writes the items all-or-nothing; resolves with one result per item, in order. */
  commit: (items: I[]) => Promise<O[]>
  /** Most items in one batch (bounds a transaction's size and its statements' parameters). */
  maxBatch?: number
  /** Most items waiting or being written; past it `submit` refuses at once with a `BusyError`. */
  maxPending?: number
  /**
   * Batches handed to `commit` before the first of them settled (default 1). More than one only
   * when `commit` writes in the order it is called (a single writer thread's queue): batches then
   * go out as they form, and the writer may join them.
   */
  maxInFlight?: number
  /** Starts a batch later; `setImmediate` by default, so everything submitted this turn joins it. */
  schedule?: (fn: () => void) => void
  /**
   * Whether a failed batch may be split to find the item that failed it: each half is written
   * again on its own, down to single items, so one bad item fails alone (about 2·log2(batch)
   * transactions). Not when the database itself failed: every item then gets the error at once.
   */
  splitOnError?: (error: unknown) => boolean
  /** Told once per failed batch (the place to log it), with the batch size. */
  onBatchError?: (error: unknown, size: number) => void
  /** Told after each committed `commit` call: its number of items and how long it took (ms; the metrics). */
  onCommitted?: (size: number, ms: number) => void
}

/** The queue is full: the item was not taken; submit it again later. */
export class BusyError extends Error {
  constructor(readonly pending: number) {
    super(`${pending} items are already waiting to be written`)
  }
}

export interface GroupCommit<I, O> {
  /** Queues one item; resolves with its result once its batch is committed. Throws BusyError when full. */
  submit(item: I): Promise<O>
  /**
   * Runs another write to the same database (a receipt) within the same limit: it counts as one
   * item while it runs. Rejects with BusyError when full, without running it.
   */
  alongside<T>(work: () => Promise<T>): Promise<T>
  /** Items waiting for a batch (not counting the one being written). */
  readonly pending: number
}

interface Waiting<I, O> {
  item: I
  resolve: (result: O) => void
  reject: (error: unknown) => void
}

export function createGroupCommit<I, O>(options: GroupCommitOptions<I, O>): GroupCommit<I, O> {
  const { commit, maxBatch = 200, maxPending = Number.POSITIVE_INFINITY, maxInFlight = 1, schedule = fn => void setImmediate(fn) } = options
  const splitOnError = options.splitOnError ?? (() => false)
  const onCommitted = options.onCommitted
  let queue: Array<Waiting<I, O>> = []
  let inFlight = 0
  let inFlightItems = 0
  /** Writes running `alongside`. */
  let others = 0
  let scheduled = false
  const waiting = () => queue.length + inFlightItems + others

  function kick() {
    if (inFlight >= maxInFlight || scheduled || queue.length === 0) return
    scheduled = true
    schedule(flush)
  }

  /**
   * Writes `batch`; on a splittable failure, each half on its own. Never rejects: the callers'
   * answers are collected in `settle`, to be given once the next batch is under way.
   */
  async function write(batch: Array<Waiting<I, O>>, first: boolean, settle: Array<() => void>): Promise<void> {
    try {
      const startedAt = onCommitted ? performance.now() : 0
      const results = await commit(batch.map(w => w.item))
      if (results.length !== batch.length) throw new Error(`group commit: ${results.length} results for ${batch.length} items`)
      onCommitted?.(batch.length, performance.now() - startedAt)
      batch.forEach((w, i) => settle.push(() => w.resolve(results[i]!)))
    }
    catch (error) {
      if (first) options.onBatchError?.(error, batch.length)
      if (batch.length > 1 && splitOnError(error)) {
        // With more than one batch in flight, the halves are written after the batches sent
        // behind this one: their items can take places after later items (docs/architecture.md).
        const half = Math.ceil(batch.length / 2)
        await write(batch.slice(0, half), false, settle)
        await write(batch.slice(half), false, settle)
        return
      }
      for (const w of batch) settle.push(() => w.reject(error))
    }
  }

  async function flush() {
    scheduled = false
    if (inFlight >= maxInFlight || queue.length === 0) return
    const batch = queue.slice(0, maxBatch)
    queue = queue.slice(maxBatch)
    inFlight++
    inFlightItems += batch.length
    // With room for another batch in flight, what arrives from now on goes out next turn.
    kick()
    const settle: Array<() => void> = []
    try {
      await write(batch, true, settle)
    }
    finally {
      inFlight--
      inFlightItems -= batch.length
      kick()
      for (const answer of settle) answer()
    }
  }

  return {
    submit(item) {
      if (waiting() >= maxPending) return Promise.reject(new BusyError(waiting()))
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject })
        kick()
      })
    },
    async alongside(work) {
      if (waiting() >= maxPending) throw new BusyError(waiting())
      others++
      try {
        return await work()
      }
      finally {
        others--
      }
    },
    get pending() {
      return queue.length
    },
  }
}
