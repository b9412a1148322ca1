/**
 * Group commit: writes submitted while a batch is being written, or within the same turn of the
 * event loop, are written together by one `commit` — one transaction, one fsync — instead of one
 * each. Each caller's promise settles only after its batch's `commit` settled, so an acknowledgement
 * still follows durability. A batch is all or nothing: when `commit` throws, every caller in it gets
 * that error. One batch is written at a time, in submission order. Pure: no I/O of its own.
 */
export interface GroupCommitOptions<I, O> {
  /** Writes the items all-or-nothing; resolves with one result per item, in order. */
  commit: (items: I[]) => Promise<O[]>
  /** Most items in one batch (bounds a transaction's size and its statements' parameters). */
  maxBatch?: number
  /** Starts a batch later; `setImmediate` by default, so everything submitted this turn joins it. */
  schedule?: (fn: () => void) => void
}

export interface GroupCommit<I, O> {
  /** Queues one item; resolves with its result once its batch is committed. */
  submit(item: I): Promise<O>
  /** Items waiting for a batch (not counting the one being written). */
  readonly pending: number
}

interface Waiting<I, O> {
  item: I
  resolve: (result: O) => void
  reject: (error: unknown) => void
}

export function createGroupCommit<I, O>({ commit, maxBatch = 200, schedule = fn => void setImmediate(fn) }: GroupCommitOptions<I, O>): GroupCommit<I, O> {
  let queue: Array<Waiting<I, O>> = []
  let writing = false
  let scheduled = false

  function kick() {
    if (writing || scheduled || queue.length === 0) return
    scheduled = true
    schedule(flush)
  }

  async function flush() {
    scheduled = false
    if (writing || queue.length === 0) return
    writing = true
    const batch = queue.slice(0, maxBatch)
    queue = queue.slice(maxBatch)
    try {
      const results = await commit(batch.map(w => w.item))
      if (results.length !== batch.length) throw new Error(`group commit: ${results.length} results for ${batch.length} items`)
      batch.forEach((w, i) => w.resolve(results[i]!))
    }
    catch (error) {
      for (const w of batch) w.reject(error)
    }
    finally {
      writing = false
      kick()
    }
  }

  return {
    submit(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject })
        kick()
      })
    },
    get pending() {
      return queue.length
    },
  }
}
