import { nextTick, ref, watch } from 'vue'
import type { Ref } from 'vue'

/**
 * The scrolling of a conversation pane: new lines at the bottom keep the newest in view, and a page
 * of older lines (scrolling to the top, or the pane's button) keeps the reader's place. `load` and
 * `retry` never reject (the stores keep a failed page as `loadError`).
 */
export function useHistoryScroll(list: Ref<HTMLElement | null>, newestKey: () => string | undefined, pages: {
  older: () => Promise<unknown>
  retry: () => Promise<unknown>
}) {
  const loadingOlder = ref(false)

  watch(newestKey, async () => {
    await nextTick()
    list.value?.scrollTo({ top: list.value.scrollHeight })
  }, { immediate: true })

  async function keepingPlace(load: () => Promise<unknown>) {
    const el = list.value
    if (!el || loadingOlder.value) return
    loadingOlder.value = true
    const fromBottom = el.scrollHeight - el.scrollTop
    try {
      await load()
      await nextTick()
      el.scrollTop = el.scrollHeight - fromBottom
    }
    finally {
      loadingOlder.value = false
    }
  }

  const loadOlder = () => keepingPlace(pages.older)
  const retryLoad = () => keepingPlace(pages.retry)
  function onScroll() {
    if (list.value && list.value.scrollTop < 40) loadOlder()
  }

  return { loadingOlder, loadOlder, retryLoad, onScroll }
}
