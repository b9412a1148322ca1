import { usePreferencesStore } from '~/stores/preferences'
import { THEME_COOKIE, parseTheme, themeAttribute } from '~/utils/settings/theme'

/**
 * The theme on <html data-theme> from the first byte: the server reads the cookie, so a dark page
 * never flashes light; without an override the stylesheet follows `prefers-color-scheme` itself.
 * In the browser, the rest of the preferences come from localStorage and a new theme goes back to
 * the cookie.
 */
export default defineNuxtPlugin(() => {
  const preferences = usePreferencesStore()
  const cookie = useCookie<string | null>(THEME_COOKIE, { maxAge: 60 * 60 * 24 * 400, sameSite: 'lax', path: '/' })
  if (import.meta.server) preferences.theme = parseTheme(cookie.value)
  else {
    preferences.restore(window.localStorage, cookie.value ? parseTheme(cookie.value) : undefined)
    watch(() => preferences.theme, (theme) => {
      cookie.value = theme
    }, { immediate: true })
  }
  useHead(() => ({ htmlAttrs: { 'data-theme': themeAttribute(preferences.theme) } }))
})
