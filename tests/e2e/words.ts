import { readFileSync } from 'node:fs'

/**
 * The app's words in one language, as the page shows them: tests find buttons and read lines by
 * the i18n messages, so the same test runs in zh-CN and en.
 */
export type Locale = 'en' | 'zh-CN'
export const LOCALES: readonly Locale[] = ['zh-CN', 'en']

type Tree = { [key: string]: string | Tree }
const messages = (locale: Locale): Tree => JSON.parse(readFileSync(new URL(`../../i18n/locales/${locale}.json`, import.meta.url), 'utf8'))

/** `t(key, params, n)` as vue-i18n words it (named values; plural forms split by `|`). */
export function wordsFor(locale: Locale) {
  const tree = messages(locale)
  return (key: string, params: Record<string, string | number> = {}, n?: number): string => {
    const found = key.split('.').reduce<string | Tree | undefined>((node, part) => (typeof node === 'object' ? node[part] : undefined), tree)
    if (typeof found !== 'string') throw new Error(`no message ${key} in ${locale}`)
    const forms = found.split(' | ')
    const form = n === undefined || forms.length === 1 ? forms[0]! : forms.length === 2 ? forms[n === 1 ? 0 : 1]! : forms[Math.min(n, 2)]!
    return form.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? (name === 'n' || name === 'count' ? n : `{${name}}`)))
  }
}
