import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url).pathname

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap(entry =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [])
}

/** Every `log.level('message'` written in server/: the lines an operator can meet. */
function loggedLines(): Array<{ level: string, msg: string, file: string }> {
  return sourceFiles('server').flatMap(file =>
    [...readFileSync(join(root, file), 'utf8').matchAll(/\blog\.(debug|info|warn|error)\('([^']+)'/g)]
      .map(m => ({ level: m[1]!, msg: m[2]!, file })))
}

describe('the log lines documented in docs/operations.md', () => {
  const doc = readFileSync(join(root, 'docs/operations.md'), 'utf8')
  const rows = doc.slice(doc.indexOf('## Logs'), doc.indexOf('## Retention')).split('\n').filter(line => line.startsWith('| '))

  it('finds the lines the server writes (the scan itself works)', () => {
    expect(loggedLines().length).toBeGreaterThan(20)
  })

  it('has a row for every line the server writes, at its level', () => {
    const missing = loggedLines().filter(({ level, msg }) => !rows.some(row => row.startsWith(`| ${level} |`) && row.includes(`\`${msg}\``)))
    expect(missing.map(l => `${l.level} '${l.msg}' (${l.file})`)).toEqual([])
  })
})
