/**
 * Day separators between the lines of a conversation: which calendar day each line falls on (in the
 * reader's time zone), and whether that day is today, yesterday or an earlier date. Pure: the clock
 * and the time zone are parameters, so tests fix both.
 */

/** What a separator says: "today", "yesterday", or a date (its label formatted by the locale). */
export type DayKind = 'today' | 'yesterday' | 'date'

export interface DaySeparator {
  kind: 'day'
  /** A render key unique within the list: the calendar day, `YYYY-MM-DD`. */
  key: string
  day: DayKind
  /** A moment on that day (the first line's time), for formatting the date. */
  ts: number
}

export type Row<T> = DaySeparator | { kind: 'line', key: string, item: T }

const dayKeyFormats = new Map<string, Intl.DateTimeFormat>()

/** The calendar day of `ts` in `timeZone` (undefined: the runtime's own), as `YYYY-MM-DD`. */
export function dayKey(ts: number, timeZone?: string): string {
  const id = timeZone ?? ''
  let format = dayKeyFormats.get(id)
  if (!format) {
    // en-CA writes dates as YYYY-MM-DD, whatever the reader's locale.
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    dayKeyFormats.set(id, format)
  }
  return format.format(ts)
}

/** The day before a `YYYY-MM-DD` day (calendar arithmetic in UTC, so no DST hour can skip it). */
export function previousDay(key: string): string {
  const [y, m, d] = key.split('-').map(Number)
  return new Date(Date.UTC(y!, m! - 1, d! - 1)).toISOString().slice(0, 10)
}

/** The lines with a separator before the first line of each calendar day. */
export function withDaySeparators<T extends { key: string, ts: number }>(items: readonly T[], now: number, timeZone?: string): Row<T>[] {
  const today = dayKey(now, timeZone)
  const yesterday = previousDay(today)
  const rows: Row<T>[] = []
  let current: string | undefined
  for (const item of items) {
    const day = dayKey(item.ts, timeZone)
    if (day !== current) {
      current = day
      rows.push({ kind: 'day', key: `day-${day}`, day: day === today ? 'today' : day === yesterday ? 'yesterday' : 'date', ts: item.ts })
    }
    rows.push({ kind: 'line', key: item.key, item })
  }
  return rows
}

/** A date separator's words: the locale's medium date (e.g. "2026年11月30日", "Nov 30, 2026"). */
export function formatDay(ts: number, locale: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone }).format(ts)
}
