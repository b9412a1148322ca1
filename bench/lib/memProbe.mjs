import { writeFileSync } from 'node:fs'
import { monitorEventLoopDelay } from 'node:perf_hooks'

/**
 * Preloaded into every measured server (`node --expose-gc --import …/memProbe.mjs server.mjs`), so
 * the four servers are measured the same way: on SIGUSR2 it collects garbage and writes
 * `process.memoryUsage()` as JSON to $BENCH_MEM_FILE, with the active resources (handles, requests
 * and timers, by type). With $BENCH_LOOP_DELAY set (the soak) it also watches the event loop and
 * adds its delay since the previous report. The servers' own code stays untouched.
 */
const file = process.env.BENCH_MEM_FILE
const RESOLUTION_MS = 10
const loop = process.env.BENCH_LOOP_DELAY ? monitorEventLoopDelay({ resolution: RESOLUTION_MS }) : undefined
loop?.enable()

/** Delay in ms beyond the sampling interval (the histogram counts the interval itself). */
const delayMs = ns => Math.round(Math.max(0, ns / 1e6 - RESOLUTION_MS) * 100) / 100

function loopDelay() {
  if (!loop || loop.count === 0) return undefined
  const stats = { p50: delayMs(loop.percentile(50)), p99: delayMs(loop.percentile(99)), max: delayMs(loop.max), samples: loop.count }
  loop.reset()
  return stats
}

if (file) {
  process.on('SIGUSR2', () => {
    // Read before collecting: the forced GC's pause is the probe's, not the server's.
    const loopDelayMs = loopDelay()
    globalThis.gc?.()
    globalThis.gc?.()
    const resources = {}
    for (const type of process.getActiveResourcesInfo()) resources[type] = (resources[type] ?? 0) + 1
    writeFileSync(file, JSON.stringify({ ...process.memoryUsage(), resources, loopDelayMs }))
    // The delay the GC just caused is recorded when the histogram's next timer fires: drop it.
    if (loop) setTimeout(() => loop.reset(), 2 * RESOLUTION_MS).unref()
  })
}
