import { mountSuspended } from '@nuxt/test-utils/runtime'
import { beforeEach, describe, expect, it } from 'vitest'
import DaySeparator from '~/components/chat/DaySeparator.vue'

const ts = Date.parse('2026-11-27T12:00:00Z')

describe('DaySeparator', () => {
  beforeEach(async () => {
    await useNuxtApp().$i18n.setLocale('zh-CN')
  })

  it('says 今天 and 昨天 in words, and an earlier day as a date', async () => {
    expect((await mountSuspended(DaySeparator, { props: { day: 'today', ts } })).text()).toBe('今天')
    expect((await mountSuspended(DaySeparator, { props: { day: 'yesterday', ts } })).text()).toBe('昨天')
    expect((await mountSuspended(DaySeparator, { props: { day: 'date', ts } })).text()).toBe('2026年11月27日')
  })

  it('speaks the reader\'s language, and is a list item with the day as its datetime', async () => {
    await useNuxtApp().$i18n.setLocale('en')
    const wrapper = await mountSuspended(DaySeparator, { props: { day: 'date', ts } })
    expect(wrapper.text()).toBe('Nov 27, 2026')
    expect(wrapper.element.tagName).toBe('LI')
    expect(wrapper.get('time').attributes('datetime')).toBe('2026-11-27')
    expect((await mountSuspended(DaySeparator, { props: { day: 'yesterday', ts } })).text()).toBe('Yesterday')
  })
})
