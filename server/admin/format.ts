/**
 * Readable output for the command line: aligned tables (Chinese names take two columns in a
 * terminal), times in UTC, sizes. Pure.
 */

/** Code points a terminal draws two columns wide (East Asian Wide and Fullwidth, roughly). */
const WIDE = /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6\u{20000}-\u{3FFFD}]/u
const ZERO_WIDTH = /\p{M}/u

/** How many terminal columns `text` takes. */
export function displayWidth(text: string): number {
  let width = 0
  for (const c of text) width += ZERO_WIDTH.test(c) ? 0 : WIDE.test(c) ? 2 : 1
  return width
}

/**
 * Text safe to print on a terminal: control and bidirectional formatting characters (which a name
 * put in by hand could hold) are shown as \u{…} instead of acting on the terminal.
 */
export function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}]/gu, c => `\\u{${c.codePointAt(0)!.toString(16)}}`)
}

/** Rows under a header, each column as wide as its widest cell, two spaces apart. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] {
  const cells = [header, ...rows].map(r => r.map(printable))
  const widths = header.map((_, i) => Math.max(...cells.map(r => displayWidth(r[i] ?? ''))))
  return cells.map(r => r.map((cell, i) => i === r.length - 1 ? cell : cell + ' '.repeat(widths[i]! - displayWidth(cell))).join('  ').trimEnd())
}

/** A time as `2026-11-30 14:05 UTC`. */
export function utc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`
}

/** A time for JSON output: ISO 8601 in UTC. */
export function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString()
}

/** A size as `512 B`, `3.4 KiB`, `12.0 MiB`, `1.2 GiB`. */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = n
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`
}

/** `1 session`, `2 sessions`. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}
