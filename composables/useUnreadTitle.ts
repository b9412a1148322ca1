import { useConversationListStore } from '~/stores/conversationList'
import { unreadTitle, unreadTotal } from '~/utils/settings/unreadTitle'

/** The chat's document title, with the unread total in front ("(3) 聊天 · 基站") for a tab in the background. */
export function useUnreadTitle() {
  const list = useConversationListStore()
  const { t } = useI18n()
  useHead({ title: () => unreadTitle(t, unreadTotal(list.entries), t('app.title.chat')) })
}
