import { describe, expect, it } from 'vitest'
import { decideNotification } from '../../../utils/settings/notification'
import type { NotificationInput } from '../../../utils/settings/notification'

const direct = { key: 'chat.newMessageFrom', params: { name: '小明', text: '晚上见' } }
const group = { key: 'chat.newGroupMessage', params: { name: '小明', group: '周末', text: '出发了' } }
const base: NotificationInput = {
  hidden: true,
  permission: 'granted',
  settings: { notifications: true, hideNotificationText: false },
  announcement: direct,
}

describe('browser notifications for new messages', () => {
  it('show the sender as title and the line as body while the page is hidden', () => {
    expect(decideNotification(base)).toEqual({ title: { key: 'notifications.title', params: { name: '小明' } }, body: '晚上见' })
  })

  it('name the group of a group line', () => {
    expect(decideNotification({ ...base, announcement: group }))
      .toEqual({ title: { key: 'notifications.titleGroup', params: { name: '小明', group: '周末' } }, body: '出发了' })
  })

  it('say only who wrote when message text is to stay hidden', () => {
    expect(decideNotification({ ...base, settings: { notifications: true, hideNotificationText: true } })?.body).toBeNull()
    expect(decideNotification({ ...base, announcement: group, settings: { notifications: true, hideNotificationText: true } })?.body).toBeNull()
  })

  it('are not shown while the page is visible: it shows the message itself', () => {
    expect(decideNotification({ ...base, hidden: false })).toBeNull()
  })

  it('are not shown unless the person turned them on', () => {
    expect(decideNotification({ ...base, settings: { notifications: false, hideNotificationText: false } })).toBeNull()
  })

  it('are not shown without the browser\'s permission, or without the API', () => {
    for (const permission of ['default', 'denied', 'unsupported'] as const) expect(decideNotification({ ...base, permission })).toBeNull()
  })

  it('ignore announcements that are not new messages', () => {
    expect(decideNotification({ ...base, announcement: { key: 'something.else', params: {} } })).toBeNull()
  })
})
