import { mountSuspended, registerEndpoint } from '@nuxt/test-utils/runtime'
import { createError, readBody } from 'h3'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import NotificationSettings from '~/components/settings/NotificationSettings.vue'
import PasswordForm from '~/components/settings/PasswordForm.vue'
import SignOutEverywhere from '~/components/settings/SignOutEverywhere.vue'
import ThemePicker from '~/components/settings/ThemePicker.vue'
import { usePreferencesStore } from '~/stores/preferences'

const settle = () => new Promise(r => setTimeout(r, 0))

beforeEach(async () => {
  await useNuxtApp().$i18n.setLocale('zh-CN')
})

describe('ThemePicker', () => {
  it('offers the system\'s colours, light and dark, and a choice applies at once', async () => {
    const preferences = usePreferencesStore()
    preferences.setTheme('system')
    const wrapper = await mountSuspended(ThemePicker)
    expect(wrapper.get('legend').text()).toBe('外观')
    expect(wrapper.findAll('label').map(l => l.text())).toEqual(['跟随系统', '浅色', '深色'])
    expect(wrapper.findAll<HTMLInputElement>('input').map(i => i.element.checked)).toEqual([true, false, false])
    await wrapper.findAll('input')[2]!.setValue(true)
    expect(preferences.theme).toBe('dark')
  })
})

describe('NotificationSettings', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    usePreferencesStore().setNotifications(false)
  })

  /** The browser's Notification API with a given permission and answer to the request. */
  function stubNotifications(permission: NotificationPermission, answer: NotificationPermission) {
    const requestPermission = vi.fn(async () => {
      Api.permission = answer
      return answer
    })
    const Api = { permission, requestPermission }
    vi.stubGlobal('Notification', Api)
    return requestPermission
  }

  it('asks the browser only when the person turns notifications on, and keeps them on when allowed', async () => {
    const ask = stubNotifications('default', 'granted')
    const wrapper = await mountSuspended(NotificationSettings)
    expect(ask).not.toHaveBeenCalled()
    const notify = wrapper.findAll('input')[0]!
    expect((notify.element as HTMLInputElement).checked).toBe(false)
    await notify.setValue(true)
    await settle()
    expect(ask).toHaveBeenCalledOnce()
    expect(usePreferencesStore().notifications).toBe(true)
    expect((notify.element as HTMLInputElement).checked).toBe(true)
  })

  it('stays off and says why when the browser refuses, tied to the switch', async () => {
    stubNotifications('default', 'denied')
    const wrapper = await mountSuspended(NotificationSettings)
    const notify = wrapper.findAll('input')[0]!
    await notify.setValue(true)
    await settle()
    expect(usePreferencesStore().notifications).toBe(false)
    expect((notify.element as HTMLInputElement).checked).toBe(false)
    const why = wrapper.get('.hint')
    expect(why.text()).toBe('这个浏览器已阻止本站的通知，可以在浏览器的网站设置中允许。')
    expect(notify.attributes('aria-describedby')).toBe(why.attributes('id'))
  })

  it('keeps the choice to hide message text', async () => {
    stubNotifications('granted', 'granted')
    const wrapper = await mountSuspended(NotificationSettings)
    await wrapper.findAll('input')[1]!.setValue(true)
    expect(usePreferencesStore().hideNotificationText).toBe(true)
  })
})

describe('PasswordForm', () => {
  const fill = async (wrapper: Awaited<ReturnType<typeof mountSuspended>>, current: string, next: string, again: string) => {
    const inputs = wrapper.findAll('input[type="password"]')
    await inputs[0]!.setValue(current)
    await inputs[1]!.setValue(next)
    await inputs[2]!.setValue(again)
    await wrapper.get('form').trigger('submit')
    // Until the answer is in: the button is disabled while the request runs (a loaded machine takes
    // more than one turn of the event loop for the endpoint's answer).
    await vi.waitFor(() => expect(wrapper.get('form button').attributes('disabled')).toBeUndefined())
    await settle()
  }
  const describedBy = (wrapper: Awaited<ReturnType<typeof mountSuspended>>, index: number) =>
    wrapper.findAll('input[type="password"]')[index]!.attributes('aria-describedby') ?? ''

  it('words a refusal of the server by its code and ties it to the field the server named', async () => {
    registerEndpoint('/api/auth/password', {
      method: 'POST',
      handler: () => {
        throw createError({ statusCode: 401, data: { code: 'wrong_password', field: 'currentPassword', message: 'The current password is wrong.' } })
      },
    })
    const wrapper = await mountSuspended(PasswordForm)
    await fill(wrapper, 'wrong one', 'new-password-1', 'new-password-1')
    const alert = wrapper.get('[role="alert"]')
    expect(alert.text()).toBe('当前密码不正确。')
    expect(describedBy(wrapper, 0)).toContain(alert.attributes('id'))
    expect(describedBy(wrapper, 1)).not.toContain(alert.attributes('id'))
  })

  it('checks a short or unconfirmed new password before asking the server', async () => {
    const wrapper = await mountSuspended(PasswordForm)
    await fill(wrapper, 'old-password', 'short', 'short')
    expect(wrapper.get('[role="alert"]').text()).toBe('密码至少需要 8 个字符。')
    expect(describedBy(wrapper, 1)).toContain(wrapper.get('[role="alert"]').attributes('id'))
    await fill(wrapper, 'old-password', 'new-password-1', 'new-password-2')
    expect(wrapper.get('[role="alert"]').text()).toBe('两次输入的新密码不一致。')
    expect(describedBy(wrapper, 2)).toContain(wrapper.get('[role="alert"]').attributes('id'))
  })

  it('says that the password changed and clears the fields', async () => {
    const sent: unknown[] = []
    registerEndpoint('/api/auth/password', {
      method: 'POST',
      handler: async (event) => {
        sent.push(await readBody(event))
        return { ok: true, closedSockets: 1 }
      },
    })
    const wrapper = await mountSuspended(PasswordForm)
    await fill(wrapper, 'old-password', 'new-password-1', 'new-password-1')
    expect(sent).toEqual([{ currentPassword: 'old-password', newPassword: 'new-password-1' }])
    expect(wrapper.get('[role="status"]').text()).toContain('密码已修改')
    expect(wrapper.findAll<HTMLInputElement>('input[type="password"]').map(i => i.element.value)).toEqual(['', '', ''])
  })
})

describe('SignOutEverywhere', () => {
  it('says so when the server could not end the sessions, and stays', async () => {
    registerEndpoint('/api/auth/logout', {
      method: 'POST',
      handler: () => {
        throw createError({ statusCode: 429, data: { code: 'rate_limited', message: 'Too many requests.' } })
      },
    })
    const wrapper = await mountSuspended(SignOutEverywhere)
    await wrapper.get('button').trigger('click')
    await settle()
    const alert = wrapper.get('[role="alert"]')
    expect(alert.text()).toBe(useNuxtApp().$i18n.t('errors.rate_limited'))
    expect(wrapper.get('button').attributes('aria-describedby')).toContain(alert.attributes('id'))
  })
})
