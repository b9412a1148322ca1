import { describe, expect, it } from 'vitest'
import { dayKey, formatDay, previousDay, withDaySeparators } from '../../../utils/chat/days'

const line = (key: string, iso: string) => ({ key, ts: Date.parse(iso) })
const shape = (rows: ReturnType<typeof withDaySeparators>) => rows.map(r => (r.kind === 'day' ? `[${r.day} ${r.key}]` : r.key))

describe('day separators', () => {
  // 2026-11-30 10:00 in Shanghai (UTC+8, no DST).
  const now = Date.parse('2026-11-30T02:00:00Z')

  it('puts a separator before the first line of each day: today, yesterday, then dates', () => {
    const items = [
      line('a', '2026-11-27T12:00:00+08:00'),
      line('b', '2026-11-29T09:00:00+08:00'),
      line('c', '2026-11-29T23:59:00+08:00'),
      line('d', '2026-11-30T00:00:00+08:00'),
      line('e', '2026-11-30T09:59:00+08:00'),
    ]
    expect(shape(withDaySeparators(items, now, 'Asia/Shanghai'))).toEqual([
      '[date day-2026-11-27]', 'a', '[yesterday day-2026-11-29]', 'b', 'c', '[today day-2026-11-30]', 'd', 'e',
    ])
  })

  it('groups by the reader\'s time zone: the same moments fall on other days in New York', () => {
    // 2026-11-30 00:30 in Shanghai is 2026-11-29 11:30 in New York (UTC-5), where `now` is still the 29th.
    const items = [line('a', '2026-11-29T23:30:00+08:00'), line('b', '2026-11-30T00:30:00+08:00')]
    expect(shape(withDaySeparators(items, now, 'Asia/Shanghai'))).toEqual(['[yesterday day-2026-11-29]', 'a', '[today day-2026-11-30]', 'b'])
    expect(shape(withDaySeparators(items, now, 'America/New_York'))).toEqual(['[today day-2026-11-29]', 'a', 'b'])
  })

  it('knows yesterday across a month, a year and a daylight-saving change', () => {
    expect(previousDay('2026-03-01')).toBe('2026-02-28')
    expect(previousDay('2024-03-01')).toBe('2024-02-29')
    expect(previousDay('2027-01-01')).toBe('2026-12-31')
    // Berlin moves its clocks on 2026-03-29: the day before the 30th is still the 29th.
    const monday = Date.parse('2026-03-30T00:30:00+02:00')
    const sunday = line('s', '2026-03-29T01:30:00+01:00')
    expect(dayKey(monday, 'Europe/Berlin')).toBe('2026-03-30')
    expect(withDaySeparators([sunday], monday, 'Europe/Berlin')[0]).toMatchObject({ day: 'yesterday' })
  })

  it('shows no separator for an empty conversation, and one for a conversation of one day', () => {
    expect(withDaySeparators([], now, 'Asia/Shanghai')).toEqual([])
    expect(shape(withDaySeparators([line('a', '2026-11-30T08:00:00+08:00'), line('b', '2026-11-30T09:00:00+08:00')], now, 'Asia/Shanghai'))).toEqual(['[today day-2026-11-30]', 'a', 'b'])
  })

  it('writes dates in the reader\'s language', () => {
    const ts = Date.parse('2026-11-27T12:00:00+08:00')
    expect(formatDay(ts, 'zh-CN', 'Asia/Shanghai')).toBe('2026年11月27日')
    expect(formatDay(ts, 'en', 'Asia/Shanghai')).toBe('Nov 27, 2026')
  })
})
