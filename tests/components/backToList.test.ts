import { mountSuspended } from '@nuxt/test-utils/runtime'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import BackToList from '~/components/layout/BackToList.vue'
import { useChatStore } from '~/stores/chat'

describe('BackToList', () => {
  beforeEach(async () => {
    await useNuxtApp().$i18n.setLocale('zh-CN')
    vi.restoreAllMocks()
  })

  it('reads "返回" and is named for where it goes', async () => {
    const button = (await mountSuspended(BackToList)).get('button')
    expect(button.text()).toBe('‹ 返回')
    expect(button.attributes('aria-label')).toBe('返回会话列表')
  })

  it('goes back in the browser\'s history when the list is the step before', async () => {
    const back = vi.spyOn(useRouter(), 'back').mockImplementation(() => {})
    const select = vi.spyOn(useChatStore(), 'select')
    // The step before is the same page without a conversation in its query.
    history.replaceState({ back: useRouter().currentRoute.value.path }, '')
    await (await mountSuspended(BackToList)).get('button').trigger('click')
    expect(back).toHaveBeenCalledOnce()
    expect(select).not.toHaveBeenCalled()
  })

  it('closes the conversation when the page was opened on it (a link, a reload)', async () => {
    const back = vi.spyOn(useRouter(), 'back').mockImplementation(() => {})
    const chat = useChatStore()
    const select = vi.spyOn(chat, 'select').mockResolvedValue(undefined)
    const selectGroup = vi.spyOn(chat, 'selectGroup').mockResolvedValue(undefined)
    history.replaceState({ back: `${useRouter().currentRoute.value.path}?with=3` }, '')
    await (await mountSuspended(BackToList)).get('button').trigger('click')
    history.replaceState(null, '')
    await (await mountSuspended(BackToList)).get('button').trigger('click')
    expect(back).not.toHaveBeenCalled()
    expect(select).toHaveBeenCalledWith(null)
    expect(selectGroup).toHaveBeenCalledWith(null)
  })
})
