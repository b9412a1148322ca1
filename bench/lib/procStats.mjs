import { readFileSync } from 'node:fs'

/** CPU time (user + system, seconds) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in clock ticks (USER_HZ=100)
  }
  catch {
    return 0
  }
}

/** Measures CPU use of some processes over an interval: call `stop()` for each pid's share of one core. */
export function cpuMeter(pids) {
  const t0 = performance.now()
  const start = pids.map(cpuSeconds)
  return {
    stop() {
      const wall = (performance.now() - t0) / 1000
      return pids.map((pid, i) => (cpuSeconds(pid) - start[i]) / wall)
    },
  }
}

/** Nearest-rank percentile of an ascending-sorted array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]
}

/** Median of numbers (NaN-free). */
export function median(values) {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (v.length === 0) return NaN
  const mid = v.length >> 1
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}
