import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { baseCompile } from '@intlify/message-compiler'
import { describe, expect, it } from 'vitest'
import en from '../../../i18n/locales/en.json'
import zhCN from '../../../i18n/locales/zh-CN.json'

/** The message files: the same keys in every locale, each message valid, each key used exists. */

type Tree = { [key: string]: string | Tree }
const locales: Record<string, Tree> = { 'en': en, 'zh-CN': zhCN }
const root = join(import.meta.dirname, '../../..')

function flatten(tree: Tree, prefix = ''): Record<string, string> {
  return Object.fromEntries(Object.entries(tree).flatMap(([key, value]) => typeof value === 'string'
    ? [[`${prefix}${key}`, value]]
    : Object.entries(flatten(value, `${prefix}${key}.`))))
}
const flat = Object.fromEntries(Object.entries(locales).map(([code, tree]) => [code, flatten(tree)]))
const placeholders = (message: string) => [...new Set([...message.matchAll(/\{(\w+)\}/g)].map(m => m[1]))].filter(p => p !== 'n' && p !== 'count').sort()

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter(e => e.isFile() && /\.(vue|ts)$/.test(e.name))
    .map(e => join(e.parentPath, e.name))
}

describe('message files', () => {
  it.each(Object.keys(locales))('%s has every key the other locales have', (code) => {
    const all = new Set(Object.values(flat).flatMap(f => Object.keys(f)))
    expect([...all].filter(key => !(key in flat[code]!))).toEqual([])
  })

  it.each(Object.keys(locales))('%s messages compile and name the same placeholders as English', (code) => {
    for (const [key, message] of Object.entries(flat[code]!)) {
      const errors: string[] = []
      baseCompile(message, { onError: e => errors.push(e.message) })
      expect(errors, `${code} ${key}`).toEqual([])
      expect(placeholders(message), `${code} ${key}`).toEqual(placeholders(flat.en![key] ?? ''))
    }
  })

  it('every key the code names exists', () => {
    const missing: string[] = []
    for (const file of ['app.vue', 'pages', 'components', 'composables', 'stores', 'utils'].flatMap(d => d.endsWith('.vue') ? [join(root, d)] : sources(d))) {
      const text = readFileSync(file, 'utf8')
      for (const [, key] of text.matchAll(/\b(?:t|\$t|tm|te)\(\s*'([\w.-]+)'/g)) {
        if (!(key! in flat.en!)) missing.push(`${relative(root, file)}: ${key}`)
      }
    }
    expect(missing).toEqual([])
  })
})
