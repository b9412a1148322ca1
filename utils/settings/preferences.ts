import { parseTheme } from './theme'
import type { Theme } from './theme'

/** What a person set on the settings page that this browser keeps (not their account's). */
export interface Preferences {
  theme: Theme
  /** Show a browser notification for a new message while the page is hidden (off until asked for). */
  notifications: boolean
  /** Notifications name the sender only, never what they wrote. */
  hideNotificationText: boolean
}

export const PREFERENCES_KEY = 'jizhan.preferences'
export const DEFAULT_PREFERENCES: Preferences = { theme: 'system', notifications: false, hideNotificationText: false }

/**
 * Preferences from what storage held: anything unreadable or missing (another program's value, an
 * older version's) counts as the default, never as an error.
 */
export function parsePreferences(raw: string | null): Preferences {
  let value: Record<string, unknown> = {}
  try {
    const parsed: unknown = raw === null ? null : JSON.parse(raw)
    if (parsed && typeof parsed === 'object') value = parsed as Record<string, unknown>
  }
  catch {
    // Unreadable: the defaults.
  }
  return {
    theme: parseTheme(value.theme),
    notifications: value.notifications === true,
    hideNotificationText: value.hideNotificationText === true,
  }
}
