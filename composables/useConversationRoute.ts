import { nextTick, watch } from 'vue'
import { useChatStore } from '~/stores/chat'
import { isListUrl, queryOf, sameSelection, selectionFromQuery } from '~/utils/chat/selectionQuery'
import type { Selection } from '~/utils/chat/selectionQuery'

function currentSelection(chat: ReturnType<typeof useChatStore>): Selection {
  if (chat.selectedGroupId !== null) return { group: chat.selectedGroupId }
  if (chat.selectedId !== null) return { peer: chat.selectedId }
  return null
}

function apply(chat: ReturnType<typeof useChatStore>, selection: Selection) {
  if (selection && 'group' in selection) void chat.selectGroup(selection.group)
  else if (selection) void chat.select(selection.peer)
  else {
    void chat.select(null)
    void chat.selectGroup(null)
  }
}

/**
 * The open conversation lives in the URL (?with=<user id> or ?group=<group id>), so a reload shows it
 * again, and opening one from the list is a step in the browser's history: on a phone, where the
 * list and the conversation are two views, the browser's Back returns to the list.
 * Call once, from the chat page.
 */
export function useConversationRoute() {
  const chat = useChatStore()
  const route = useRoute()

  const page = route.path

  onMounted(() => {
    const named = selectionFromQuery(route.query)
    // Back from another page (Settings) by a plain link: the conversation that was open stays open.
    const kept = currentSelection(chat)
    if (named === null && kept !== null) void navigateTo({ query: { ...route.query, ...queryOf(kept) } }, { replace: true })
    else apply(chat, named)
  })

  watch(() => currentSelection(chat), (selection, before) => {
    if (route.path !== page || sameSelection(selection, selectionFromQuery(route.query))) return
    // Opening from the list is a step back can undo; switching or closing replaces it.
    void navigateTo({ query: { ...route.query, ...queryOf(selection) } }, { replace: before !== null || selection === null })
  })

  // The browser's Back and Forward (and links) change the URL first: the store follows.
  watch(() => route.query, (query) => {
    // Leaving for another page is no choice of conversation.
    if (route.path !== page) return
    const wanted = selectionFromQuery(query)
    if (!sameSelection(wanted, currentSelection(chat))) apply(chat, wanted)
  })

  keepFocusAcrossViews(chat)
}

/**
 * On a phone the view that had the focus disappears when the other opens: focus moves to the
 * conversation's heading when one opens, and back to its entry in the list when it closes.
 */
function keepFocusAcrossViews(chat: ReturnType<typeof useChatStore>) {
  watch(() => currentSelection(chat), async (selection, before) => {
    await nextTick()
    const active = document.activeElement as HTMLElement | null
    if (active && active !== document.body && active.checkVisibility?.() !== false) return
    const target = selection
      ? document.querySelector<HTMLElement>('.conversation-pane h2')
      : document.querySelector<HTMLElement>(`.people [data-key="${before && 'group' in before ? before.group : before ? `u${before.peer}` : ''}"]`)
        ?? document.querySelector<HTMLElement>('.people h2')
    target?.focus()
  }, { flush: 'post' })
}

/** The Back control: undoes the step that opened the conversation, or closes it when there is none. */
export function backToList(router: ReturnType<typeof useRouter>) {
  if (isListUrl(window.history.state?.back, router.currentRoute.value.path)) {
    router.back()
    return
  }
  const chat = useChatStore()
  void chat.select(null)
  void chat.selectGroup(null)
}
