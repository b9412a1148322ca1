import { describe, expect, it } from 'vitest'
import { unreadTitle, unreadTotal } from '../../../utils/settings/unreadTitle'
import { translator } from '../../support/i18n'

describe('the unread count in the title', () => {
  it('adds up the unread lines of direct and group conversations', () => {
    expect(unreadTotal([{ unread: 2 }, { unread: 0 }, { unread: 1 }])).toBe(3)
    expect(unreadTotal([])).toBe(0)
  })

  it('puts the count before the title in both languages, and nothing when all is read', () => {
    expect(unreadTitle(translator('zh-CN'), 3, '聊天 · 基站')).toBe('(3) 聊天 · 基站')
    expect(unreadTitle(translator('en'), 12, 'Chat · Jizhan')).toBe('(12) Chat · Jizhan')
    expect(unreadTitle(translator('en'), 0, 'Chat · Jizhan')).toBe('Chat · Jizhan')
  })
})
