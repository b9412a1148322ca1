import type { Announcement } from '../../stores/chat'

/** What the browser allows (`Notification.permission`), or `unsupported` where there is no API. */
export type NotificationPermissionState = 'default' | 'granted' | 'denied' | 'unsupported'

/** A sentence as an i18n key and its values: the page words it in the reader's language. */
export interface Phrase { key: string, params: Record<string, string> }

export interface NotificationInput {
  /** `document.visibilityState === 'hidden'`: a visible page shows the message itself. */
  hidden: boolean
  permission: NotificationPermissionState
  settings: { notifications: boolean, hideNotificationText: boolean }
  /** The chat store's announcement of a new line from someone else. */
  announcement: Announcement
}

/** A notification to show: its title and, unless the text is to stay hidden, the line itself as body. */
export interface NotificationDecision { title: Phrase, body: string | null }

/**
 * Whether a new message becomes a browser notification, and what it says. Only for a hidden page,
 * only when the person turned notifications on and the browser allows them; with "hide message text"
 * on, it names the sender (and group) and nothing of what they wrote.
 */
export function decideNotification(input: NotificationInput): NotificationDecision | null {
  if (!input.hidden || !input.settings.notifications || input.permission !== 'granted') return null
  const { key, params } = input.announcement
  const { name = '', group, text = '' } = params
  let title: Phrase
  if (key === 'chat.newGroupMessage' && group !== undefined) title = { key: 'notifications.titleGroup', params: { name, group } }
  else if (key === 'chat.newMessageFrom') title = { key: 'notifications.title', params: { name } }
  else return null
  return { title, body: input.settings.hideNotificationText ? null : text }
}
