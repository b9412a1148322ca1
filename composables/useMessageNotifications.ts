import { useChatStore } from '~/stores/chat'
import { usePreferencesStore } from '~/stores/preferences'
import { notificationPermission, showNotification } from '~/utils/settings/browserNotifications'
import { decideNotification } from '~/utils/settings/notification'

/**
 * A browser notification for each new line from someone else while the page is hidden, if the
 * person turned them on (settings page). The chat store's announcement is the signal; the decision
 * is utils/settings/notification.ts, only the browser calls are here.
 */
export function useMessageNotifications() {
  const chat = useChatStore()
  const preferences = usePreferencesStore()
  const { t, locale } = useI18n()
  watch(() => chat.announcement, (announcement) => {
    if (!announcement || !import.meta.client) return
    const decision = decideNotification({
      hidden: document.visibilityState === 'hidden',
      permission: notificationPermission(),
      settings: { notifications: preferences.notifications, hideNotificationText: preferences.hideNotificationText },
      announcement,
    })
    if (decision) showNotification(t(decision.title.key, decision.title.params), decision.body, locale.value)
  })
}
