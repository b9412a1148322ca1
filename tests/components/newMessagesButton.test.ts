import { mountSuspended } from '@nuxt/test-utils/runtime'
import { beforeEach, describe, expect, it } from 'vitest'
import NewMessagesButton from '~/components/chat/NewMessagesButton.vue'

describe('NewMessagesButton', () => {
  beforeEach(async () => {
    await useNuxtApp().$i18n.setLocale('zh-CN')
  })

  it('says how many new messages there are, in both languages and plurals', async () => {
    expect((await mountSuspended(NewMessagesButton, { props: { count: 3 } })).text()).toBe('3 条新消息 ↓')
    await useNuxtApp().$i18n.setLocale('en')
    expect((await mountSuspended(NewMessagesButton, { props: { count: 1 } })).text()).toBe('1 new message ↓')
    expect((await mountSuspended(NewMessagesButton, { props: { count: 12 } })).text()).toBe('12 new messages ↓')
  })

  it('is a button that asks to jump, with the arrow hidden from screen readers', async () => {
    const wrapper = await mountSuspended(NewMessagesButton, { props: { count: 2 } })
    expect(wrapper.get('button').attributes('type')).toBe('button')
    expect(wrapper.get('[aria-hidden="true"]').text()).toBe('↓')
    await wrapper.get('button').trigger('click')
    expect(wrapper.emitted('jump')).toHaveLength(1)
  })
})
