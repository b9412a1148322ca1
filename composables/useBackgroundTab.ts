import { useMessageNotifications } from './useMessageNotifications'
import { useUnreadTitle } from './useUnreadTitle'

/** What the chat does for a tab in the background: unread total in the title, optional notifications. */
export function useBackgroundTab() {
  useUnreadTitle()
  useMessageNotifications()
}
