import en from './locales/en.json?raw'
import zhCN from './locales/zh-CN.json?raw'

/** The messages as plain data, for component tests only (nuxt.config.ts `inlineMessages`). */
export default defineI18nConfig(() => ({
  messages: { 'en': JSON.parse(en), 'zh-CN': JSON.parse(zhCN) },
}))
