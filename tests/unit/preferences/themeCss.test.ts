import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const css = readFileSync(join(import.meta.dirname, '../../../assets/theme.css'), 'utf8')

/** The custom properties of the block that follows `selector` in theme.css. */
function block(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`)
  if (start < 0) throw new Error(`no block ${selector}`)
  const body = css.slice(start, css.indexOf('}', start))
  return Object.fromEntries([...body.matchAll(/(--[\w-]+):\s*([^;]+);/g)].map(m => [m[1], m[2]!.trim()]))
}

/** WCAG 2 relative luminance of a #rrggbb colour. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map(i => Number.parseInt(hex.slice(i, i + 2), 16) / 255)
    .map(c => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
}

/** WCAG 2 contrast ratio of two colours. */
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x)
  return (hi! + 0.05) / (lo! + 0.05)
}

describe('the dark theme', () => {
  const system = block(':root:not([data-theme="light"])')
  const chosen = block(':root[data-theme="dark"]')

  it('has the same colours whether the system asks for it or the person chose it', () => {
    expect(Object.keys(system).length).toBeGreaterThan(8)
    expect(chosen).toEqual(system)
  })

  // Every pair of text colour and background that the app draws text with (bubbles, panels,
  // notices, badges, buttons, the password's success): WCAG AA asks for 4.5:1 for normal text.
  const pairs = [
    ...['--text', '--muted', '--accent', '--danger'].flatMap(fg => ['--bg', '--panel', '--own', '--theirs'].map(bg => [fg, bg] as const)),
    ['--accent-text', '--accent'] as const,
    ['--ok', '--panel'] as const,
  ]
  it.each(pairs)('draws %s on %s with at least 4.5:1 contrast (WCAG AA)', (fg, bg) => {
    expect(contrast(system[fg]!, system[bg]!)).toBeGreaterThanOrEqual(4.5)
  })
})
