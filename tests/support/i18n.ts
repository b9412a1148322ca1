import { createI18n } from 'vue-i18n'
import en from '../../i18n/locales/en.json'
import zhCN from '../../i18n/locales/zh-CN.json'
import type { Translate } from '../../utils/i18n/phrases'

/** The app's messages in one locale, as the page's `t` sees them. */
export function translator(locale: 'en' | 'zh-CN'): Translate {
  const i18n = createI18n({ legacy: false, locale, fallbackLocale: 'en', messages: { 'en': en, 'zh-CN': zhCN } })
  return (key, named = {}, plural) => (plural === undefined ? i18n.global.t(key, named) : i18n.global.t(key, named, plural))
}
