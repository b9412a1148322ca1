import { mountSuspended } from '@nuxt/test-utils/runtime'
import { describe, expect, it } from 'vitest'
import LanguageSwitcher from '~/components/settings/LanguageSwitcher.vue'

describe('LanguageSwitcher', () => {
  it('offers each language in its own name and script, and switching changes the page\'s language', async () => {
    const i18n = useNuxtApp().$i18n
    await i18n.setLocale('zh-CN')
    const wrapper = await mountSuspended(LanguageSwitcher)
    expect(wrapper.get('label').text()).toBe('语言')
    expect(wrapper.findAll('option').map(o => [o.text(), o.attributes('lang')])).toEqual([['简体中文', 'zh-CN'], ['English', 'en']])
    await wrapper.get('select').setValue('en')
    await new Promise(r => setTimeout(r, 0))
    expect(i18n.locale.value).toBe('en')
    expect(wrapper.get('label').text()).toBe('Language')
  })
})
