import { mountSuspended } from '@nuxt/test-utils/runtime'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import ConnectionStatus from '~/components/connection/ConnectionStatus.vue'
import { useConnectionStore } from '~/stores/connection'

describe('ConnectionStatus', () => {
  beforeEach(async () => {
    await useNuxtApp().$i18n.setLocale('zh-CN')
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('counts down where it is seen, while the live region keeps the attempt and does not tick', async () => {
    const connection = useConnectionStore()
    const wrapper = await mountSuspended(ConnectionStatus)
    Object.assign(connection, { status: 'reconnecting', attempt: 2, nextAttemptAt: Date.now() + 5_000 })
    await nextTick()
    const live = wrapper.get('[role="status"]')
    expect(live.text()).toBe('正在重新连接：第 2 次，共 10 次')
    expect(wrapper.get('[aria-hidden="true"]:not(.dot)').text()).toBe('5 秒后重新连接（第 2 次，共 10 次）')
    vi.advanceTimersByTime(2_000)
    await nextTick()
    expect(wrapper.get('[aria-hidden="true"]:not(.dot)').text()).toBe('3 秒后重新连接（第 2 次，共 10 次）')
    expect(live.text()).toBe('正在重新连接：第 2 次，共 10 次')
    // While trying, the button stops the trying rather than claiming to disconnect.
    expect(wrapper.get('button').text()).toBe('停止重连')
  })
  it('says the account was disabled when that signed the page out, in both languages, and offers to sign in', async () => {
    const connection = useConnectionStore()
    const wrapper = await mountSuspended(ConnectionStatus)
    Object.assign(connection, { status: 'signed-out', accountDisabled: true, nextAttemptAt: null })
    await nextTick()
    expect(wrapper.get('[role="status"]').text()).toBe('已退出登录：此账号已被停用')
    expect(wrapper.get('a').text()).toBe('重新登录')
    await useNuxtApp().$i18n.setLocale('en')
    await nextTick()
    expect(wrapper.get('[role="status"]').text()).toBe('Signed out: this account was disabled')
  })
})
