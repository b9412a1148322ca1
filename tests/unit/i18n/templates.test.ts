import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { NodeTypes, parse } from '@vue/compiler-dom'
import type { ElementNode, TemplateChildNode } from '@vue/compiler-dom'
import { describe, expect, it } from 'vitest'

/**
 * Every word a person reads comes from the i18n messages: a template holds no literal text, and no
 * attribute a person (or a screen reader) reads is written as a literal.
 */

const root = join(import.meta.dirname, '../../..')
const READ_ATTRIBUTES = new Set(['aria-label', 'aria-description', 'title', 'placeholder', 'alt', 'label', 'aria-placeholder', 'aria-roledescription', 'aria-valuetext'])
/** Letters of any script: punctuation, digits and symbols alone (·, →, ×) are not words. */
const WORDS = /\p{L}/u

function vueFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter(e => e.isFile() && e.name.endsWith('.vue'))
    .map(e => relative(root, join(e.parentPath, e.name)))
}

/** The literal strings a person would read in one SFC's template. */
export function literalStrings(source: string): string[] {
  const template = /<template>([\s\S]*)<\/template>/.exec(source)?.[1] ?? ''
  const found: string[] = []
  const walk = (nodes: TemplateChildNode[]) => {
    for (const node of nodes) {
      if (node.type === NodeTypes.TEXT && WORDS.test(node.content)) found.push(node.content.trim())
      if (node.type === NodeTypes.ELEMENT) {
        for (const prop of (node as ElementNode).props) {
          if (prop.type === NodeTypes.ATTRIBUTE && READ_ATTRIBUTES.has(prop.name) && prop.value && WORDS.test(prop.value.content)) found.push(`${prop.name}="${prop.value.content}"`)
        }
        walk((node as ElementNode).children)
      }
      if (node.type === NodeTypes.IF) for (const branch of node.branches) walk(branch.children)
      if (node.type === NodeTypes.FOR) walk(node.children)
    }
  }
  walk(parse(template).children)
  return found
}

describe('templates', () => {
  it('finds a literal word, a literal label and ignores interpolations and symbols', () => {
    const sfc = '<template><p>Hello <b>{{ t(\'x\') }}</b></p><button aria-label="Close">×</button><i title="·"/></template>'
    expect(literalStrings(sfc)).toEqual(['Hello', 'aria-label="Close"'])
    expect(literalStrings('<template><p>你好</p></template>')).toEqual(['你好'])
  })

  const files = ['app.vue', ...vueFiles('pages'), ...vueFiles('components')]
  it.each(files)('%s holds no literal user-facing text', (file) => {
    expect(literalStrings(readFileSync(join(root, file), 'utf8'))).toEqual([])
  })
})
