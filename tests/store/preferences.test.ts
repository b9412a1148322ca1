import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { usePreferencesStore } from '../../stores/preferences'
import { memoryStorage } from '../support/memoryStorage'

beforeEach(() => setActivePinia(createPinia()))

describe('preferences store', () => {
  it('starts following the system, with notifications off', () => {
    const store = usePreferencesStore()
    store.restore(memoryStorage())
    expect(store.theme).toBe('system')
    expect(store.notifications).toBe(false)
    expect(store.hideNotificationText).toBe(false)
  })

  it('keeps every change for the next page load', () => {
    const storage = memoryStorage()
    const store = usePreferencesStore()
    store.restore(storage)
    store.setTheme('dark')
    store.setNotifications(true)
    store.setHideNotificationText(true)

    setActivePinia(createPinia())
    const next = usePreferencesStore()
    next.restore(storage)
    expect([next.theme, next.notifications, next.hideNotificationText]).toEqual(['dark', true, true])
  })

  it('takes the theme from the cookie the server rendered with over the stored one', () => {
    const storage = memoryStorage()
    const store = usePreferencesStore()
    store.restore(storage)
    store.setTheme('dark')
    setActivePinia(createPinia())
    const next = usePreferencesStore()
    next.restore(storage, 'light')
    expect(next.theme).toBe('light')
  })

  it('still works for this page when storage refuses', () => {
    const refuse = (): never => {
      throw new Error('denied')
    }
    const refusing = { getItem: refuse, setItem: refuse, removeItem: () => {} }
    const store = usePreferencesStore()
    store.restore(refusing)
    store.setTheme('light')
    expect(store.theme).toBe('light')
  })
})
