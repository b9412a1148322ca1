import { RETENTION_BATCH, RETENTION_EVERY_MS, RETENTION_FIRST_RUN_MS, RETENTION_PAUSE_MS, planBatch, retentionCutoff, scanStart } from './storage/retentionPlan'
import { log } from '../infra/log'
import { deleteMessages, messagesAfter } from './storage/retention'

/**
 * Message retention (NUXT_MESSAGE_RETENTION_DAYS): every ten minutes, messages older than the
 * setting are deleted with their stream events, a batch per transaction with a pause between, so
 * the relay's writes keep going. Clients that resume from before what is kept are told so
 * (replay.ts, groupDeliver.ts). docs/operations.md "Retention".
 */

/** What one run deleted. `busy`: it stopped because another instance was deleting. */
export interface RetentionRun { messages: number, events: number, batches: number, busy: boolean }

export interface RunOptions {
  batch?: number
  pauseMs?: number
  /** Asked between batches: true ends the run there (shutdown). */
  stopped?: () => boolean
}

/** Deletes what is older than `cutoff`, batch after batch, until a batch finds nothing old. */
export async function runRetention(cutoff: number, options: RunOptions = {}): Promise<RetentionRun> {
  const limit = options.batch ?? RETENTION_BATCH
  const pauseMs = options.pauseMs ?? RETENTION_PAUSE_MS
  const run: RetentionRun = { messages: 0, events: 0, batches: 0, busy: false }
  for (let scan = scanStart(); ;) {
    const plan = planBatch(await messagesAfter(scan.after, limit), cutoff, scan, limit)
    scan = plan.next
    if (plan.ids.length > 0) {
      const batch = await deleteMessages(plan.ids)
      if (batch.busy) return { ...run, busy: true }
      run.messages += batch.messages
      run.events += batch.events
      run.batches++
    }
    if (!plan.more || options.stopped?.()) return run
    await new Promise(resolve => setTimeout(resolve, pauseMs))
    if (options.stopped?.()) return run
  }
}

export interface RetentionSchedule {
  /** Stops the schedule; resolves when a run under way has finished its batch. */
  stop(): Promise<void>
}

/** Runs retention a few seconds after start, then every ten minutes; each run's outcome logged in one line. */
export function scheduleRetention(days: number, now: () => number = Date.now): RetentionSchedule {
  let stopped = false
  let running: Promise<void> | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  const next = (ms: number) => {
    if (stopped) return
    timer = setTimeout(tick, ms)
    timer.unref()
  }
  const tick = () => {
    const cutoff = retentionCutoff(now(), days)
    if (cutoff === null) return
    const started = now()
    running = runRetention(cutoff, { stopped: () => stopped })
      .then((run) => {
        if (run.messages > 0 || run.busy) {
          log.info('retention run', { deleted: run.messages, events: run.events, batches: run.batches, days, durationMs: now() - started, stoppedForOtherInstance: run.busy })
        }
      })
      .catch(err => log.error('retention run failed', { err }))
      .finally(() => {
        running = undefined
        next(RETENTION_EVERY_MS)
      })
  }
  next(RETENTION_FIRST_RUN_MS)
  return {
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
