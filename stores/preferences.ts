import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { StorageLike } from '../utils/chat/persisted'
import { DEFAULT_PREFERENCES, PREFERENCES_KEY, parsePreferences } from '../utils/settings/preferences'
import type { Preferences } from '../utils/settings/preferences'
import type { Theme } from '../utils/settings/theme'

/**
 * This browser's display and notification preferences, kept in localStorage. The theme is also
 * mirrored to a cookie by plugins/preferences.ts, so the server renders the right colours at once.
 */
export const usePreferencesStore = defineStore('preferences', () => {
  const theme = ref<Theme>(DEFAULT_PREFERENCES.theme)
  const notifications = ref(DEFAULT_PREFERENCES.notifications)
  const hideNotificationText = ref(DEFAULT_PREFERENCES.hideNotificationText)
  let storage: StorageLike | undefined

  /**
   * Reads what this browser kept and keeps every later change there. `themeFromCookie` wins over the
   * stored theme: it is what the server already rendered.
   */
  function restore(from: StorageLike, themeFromCookie?: Theme) {
    storage = from
    let kept = DEFAULT_PREFERENCES
    try {
      kept = parsePreferences(from.getItem(PREFERENCES_KEY))
    }
    catch {
      // Storage refused (private mode, blocked): the defaults, for this page only.
    }
    theme.value = themeFromCookie ?? kept.theme
    notifications.value = kept.notifications
    hideNotificationText.value = kept.hideNotificationText
  }

  function save() {
    const value: Preferences = { theme: theme.value, notifications: notifications.value, hideNotificationText: hideNotificationText.value }
    try {
      storage?.setItem(PREFERENCES_KEY, JSON.stringify(value))
    }
    catch {
      // Full or refused: the choice holds for this page.
    }
  }

  function setTheme(value: Theme) {
    theme.value = value
    save()
  }

  function setNotifications(on: boolean) {
    notifications.value = on
    save()
  }

  function setHideNotificationText(on: boolean) {
    hideNotificationText.value = on
    save()
  }

  return { theme, notifications, hideNotificationText, restore, setTheme, setNotifications, setHideNotificationText }
})
