import { nextTick, ref, watch } from 'vue'
import type { Ref } from 'vue'
import { isAtBottom, onLinesAdded } from '~/utils/chat/followNewest'

/**
 * The scrolling of a conversation pane. New lines follow the reader to the bottom only when they are
 * there already (or the line is their own); otherwise `unseen` counts them until the reader scrolls
 * down or jumps. A page of older lines (scrolling to the top, or the pane's button) keeps the
 * reader's place. `older` and `retry` never reject (the stores keep a failed page as `loadError`).
 */
export function useHistoryScroll<T extends { key: string }>(list: Ref<HTMLElement | null>, source: {
  /** Which conversation is shown: another one starts at the bottom. */
  conversation: () => string
  lines: () => readonly T[]
  isOwn: (line: T) => boolean
  older: () => Promise<unknown>
  retry: () => Promise<unknown>
}) {
  const loadingOlder = ref(false)
  const unseen = ref(0)
  let shown: string | undefined
  let known = new Set<string>()

  function scrollToBottom() {
    list.value?.scrollTo({ top: list.value.scrollHeight })
  }

  // Runs before the DOM updates, so "at the bottom" is measured where the reader was.
  watch(() => `${source.conversation()}\n${source.lines().length}\n${source.lines().at(-1)?.key}`, async () => {
    const lines = source.lines()
    const sameConversation = shown === source.conversation()
    // Lines an older page brought are above the reader, not new.
    const added = sameConversation && known.size > 0 && !loadingOlder.value ? lines.filter(l => !known.has(l.key)) : null
    shown = source.conversation()
    known = new Set(lines.map(l => l.key))
    if (sameConversation && loadingOlder.value) return
    const next = onLinesAdded(added?.map(l => ({ own: source.isOwn(l) })) ?? null, !list.value || isAtBottom(list.value), unseen.value)
    unseen.value = next.unseen
    if (next.follow) {
      await nextTick()
      scrollToBottom()
    }
  }, { immediate: true })

  async function keepingPlace(load: () => Promise<unknown>) {
    const el = list.value
    if (!el || loadingOlder.value) return
    loadingOlder.value = true
    const fromBottom = el.scrollHeight - el.scrollTop
    const conversation = source.conversation()
    try {
      await load()
      await nextTick()
      // Another conversation opened meanwhile: its place is its own (it started at the bottom).
      if (source.conversation() === conversation) el.scrollTop = el.scrollHeight - fromBottom
    }
    finally {
      loadingOlder.value = false
    }
  }

  const loadOlder = () => keepingPlace(source.older)
  const retryLoad = () => keepingPlace(source.retry)
  function onScroll() {
    const el = list.value
    if (!el) return
    if (isAtBottom(el)) unseen.value = 0
    if (el.scrollTop < 40) loadOlder()
  }

  /** The "new messages" control: to the newest line, everything seen. */
  function jumpToNewest() {
    scrollToBottom()
    unseen.value = 0
  }

  return { loadingOlder, loadOlder, retryLoad, onScroll, unseen, jumpToNewest }
}
