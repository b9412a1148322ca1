import { describe, expect, it } from 'vitest'
import { parseTheme, resolveTheme, themeAttribute } from '../../../utils/settings/theme'
import { parsePreferences } from '../../../utils/settings/preferences'

describe('theme', () => {
  it('follows the system until the person chooses light or dark', () => {
    expect(resolveTheme('system', true)).toBe('dark')
    expect(resolveTheme('system', false)).toBe('light')
    expect(resolveTheme('light', true)).toBe('light')
    expect(resolveTheme('dark', false)).toBe('dark')
  })

  it('marks <html> only for an override, so the stylesheet follows the system otherwise', () => {
    expect(themeAttribute('system')).toBeUndefined()
    expect(themeAttribute('light')).toBe('light')
    expect(themeAttribute('dark')).toBe('dark')
  })

  it('reads an unknown cookie or stored value as following the system', () => {
    expect(parseTheme('dark')).toBe('dark')
    expect(parseTheme('purple')).toBe('system')
    expect(parseTheme(undefined)).toBe('system')
    expect(parseTheme(1)).toBe('system')
  })
})

describe('stored preferences', () => {
  it('keep what was set', () => {
    expect(parsePreferences('{"theme":"light","notifications":true,"hideNotificationText":true}'))
      .toEqual({ theme: 'light', notifications: true, hideNotificationText: true })
  })

  it('fall back to the defaults, notifications off, for anything missing or unreadable', () => {
    const defaults = { theme: 'system', notifications: false, hideNotificationText: false }
    expect(parsePreferences(null)).toEqual(defaults)
    expect(parsePreferences('not json')).toEqual(defaults)
    expect(parsePreferences('[1,2]')).toEqual(defaults)
    expect(parsePreferences('{"theme":"sepia","notifications":"yes"}')).toEqual(defaults)
  })
})
