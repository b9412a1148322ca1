import { describe, expect, it } from 'vitest'
import { planBatch, retentionCutoff, scanStart, streamCuts, trimmedBefore } from '../../server/chat/storage/retentionPlan'

const DAY = 86_400_000
const NOW = 100 * DAY
const CUTOFF = NOW - 30 * DAY
const OLD = CUTOFF - 1
const NEW = CUTOFF
const row = (id: number, conversationId: string, createdAt: number) => ({ id, conversationId, createdAt })

describe('retention cut-off', () => {
  it('is the given number of days before now', () => {
    expect(retentionCutoff(NOW, 30)).toBe(NOW - 30 * DAY)
    expect(retentionCutoff(NOW, 1)).toBe(NOW - DAY)
  })

  it('is off at 0 days', () => {
    expect(retentionCutoff(NOW, 0)).toBeNull()
  })
})

describe('a retention batch', () => {
  it('takes the messages older than the cut-off (stored exactly at it stays)', () => {
    const plan = planBatch([row(1, 'a', OLD), row(2, 'b', OLD), row(3, 'a', NEW)], CUTOFF, scanStart(), 10)
    expect(plan.ids).toEqual([1, 2])
  })

  it('keeps the later messages of a conversation behind one that is not old enough, and takes the other conversations\'', () => {
    const plan = planBatch([row(1, 'a', OLD), row(2, 'a', NEW), row(3, 'a', OLD), row(4, 'b', OLD)], CUTOFF, scanStart(), 10)
    expect(plan.ids).toEqual([1, 4])
    // In the next batch too.
    expect(planBatch([row(5, 'a', OLD), row(6, 'b', OLD)], CUTOFF, plan.next, 10).ids).toEqual([6])
  })

  it('goes on after a full batch that had something old, from where it stopped', () => {
    const plan = planBatch([row(1, 'a', OLD), row(2, 'b', OLD)], CUTOFF, scanStart(), 2)
    expect(plan).toMatchObject({ more: true, next: { after: 2 } })
  })

  it('goes on after a full batch whose old messages all wait behind newer ones', () => {
    const blocked = planBatch([row(1, 'a', NEW)], CUTOFF, scanStart(), 1).next
    expect(planBatch([row(2, 'a', OLD)], CUTOFF, blocked, 1)).toMatchObject({ ids: [], more: true })
  })

  it('stops at a batch with nothing old (the present), or at the end of the table', () => {
    expect(planBatch([row(1, 'a', NEW), row(2, 'b', NEW)], CUTOFF, scanStart(), 2).more).toBe(false)
    expect(planBatch([row(1, 'a', OLD)], CUTOFF, scanStart(), 2).more).toBe(false)
    expect(planBatch([], CUTOFF, { after: 7, blocked: new Set() }, 2)).toMatchObject({ ids: [], more: false, next: { after: 7 } })
  })

  it('never takes more than the rows it was given', () => {
    const rows = Array.from({ length: 500 }, (_, i) => row(i + 1, `c${i % 7}`, OLD))
    expect(planBatch(rows, CUTOFF, scanStart(), 500).ids).toHaveLength(500)
  })
})

describe('stream cuts', () => {
  it('cut each user\'s stream at the newest event of a deleted message, users in ascending order', () => {
    expect(streamCuts([{ userId: 3, pos: 4 }, { userId: 1, pos: 9 }, { userId: 3, pos: 7 }, { userId: 1, pos: 2 }]))
      .toEqual([{ userId: 1, upTo: 9 }, { userId: 3, upTo: 7 }])
  })
})

describe('where a replay goes on', () => {
  it('after the deleted positions when the read skipped some', () => {
    expect(trimmedBefore(3, 10)).toBe(9)
  })

  it('where it was when the read went on from the next one, or found nothing', () => {
    expect(trimmedBefore(3, 4)).toBe(3)
    expect(trimmedBefore(3, undefined)).toBe(3)
  })
})
