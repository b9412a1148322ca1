import { useConversationListStore } from '~/stores/conversationList'
import { unreadTitle, unreadTotal } from '~/utils/settings/unreadTitle'

/**
 * The chat's document title, with the unread total in front ("(3) 聊天 · 基站") for a tab in the
 * background. Called after the page's own `useHead` title, so this entry is the one shown.
 */
export function useUnreadTitle() {
  const list = useConversationListStore()
  const { t } = useI18n()
  useHead({ title: () => unreadTitle(t, unreadTotal(list.entries), t('app.title.chat')) })
}
