import { mountSuspended } from '@nuxt/test-utils/runtime'
import { beforeEach, describe, expect, it } from 'vitest'
import TypingIndicator from '~/components/chat/TypingIndicator.vue'

describe('TypingIndicator', () => {
  beforeEach(async () => {
    await useNuxtApp().$i18n.setLocale('zh-CN')
  })

  it('says nothing while nobody types, but its live region is already there', async () => {
    const wrapper = await mountSuspended(TypingIndicator, { props: { names: [] } })
    expect(wrapper.get('[role="status"]').text()).toBe('')
  })

  it('names one, two, or two and how many more, in the page\'s language', async () => {
    const wrapper = await mountSuspended(TypingIndicator, { props: { names: ['小明'] } })
    expect(wrapper.text()).toBe('小明正在输入…')
    await wrapper.setProps({ names: ['小明', 'Ann', 'Ben', 'Cy'] })
    expect(wrapper.text()).toBe('小明、Ann和另外 2 人正在输入…')
    await useNuxtApp().$i18n.setLocale('en')
    expect(wrapper.text()).toBe('小明, Ann and 2 others are typing…')
    await wrapper.setProps({ names: ['小明', 'Ann', 'Ben'] })
    expect(wrapper.text()).toBe('小明, Ann and 1 other are typing…')
  })
})
