import { writeFileSync } from 'node:fs'

/**
 * Preloaded into every measured server (`node --expose-gc --import …/memProbe.mjs server.mjs`), so
 * the four servers are measured the same way: on SIGUSR2 it collects garbage and writes
 * `process.memoryUsage()` as JSON to $BENCH_MEM_FILE. The servers' own code stays untouched.
 */
const file = process.env.BENCH_MEM_FILE
if (file) {
  process.on('SIGUSR2', () => {
    globalThis.gc?.()
    globalThis.gc?.()
    writeFileSync(file, JSON.stringify(process.memoryUsage()))
  })
}
