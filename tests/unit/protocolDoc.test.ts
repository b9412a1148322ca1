import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CLIENT_FRAME_TYPES, CloseCode, ERROR_CODES, SERVER_FRAME_TYPES, parseClientFrame, parseServerFrame } from '#shared/protocol'

/**
 * docs/protocol.md is the contract: every frame its examples show must be one the code accepts, so
 * the document cannot drift from the schemas in shared/protocol/.
 */
const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8')
const examples = [...doc.matchAll(/^(→[A-Z]|[A-Z]→) {2}(\{.*\})/gm)].map(m => ({ direction: m[1]!, json: m[2]! }))

describe('the protocol document', () => {
  it('has examples of frames in both directions', () => {
    expect(examples.filter(e => e.direction.startsWith('→')).length).toBeGreaterThan(5)
    expect(examples.filter(e => e.direction.endsWith('→')).length).toBeGreaterThan(5)
  })

  // (Examples may trail a comment after the JSON.)
  const frameOf = (json: string) => json.replace(/\}\s+\(.*$/, '}')

  it.each(examples.map((e, i) => [e.direction, e.json, i] as const))('shows a frame the code reads as shown: %s %s', (direction, json, i) => {
    if (direction.startsWith('→')) return expect(parseServerFrame(frameOf(json))).toMatchObject({ ok: true })
    // A client frame is valid, unless the server's next line in the example refuses it: then the
    // code must refuse it with exactly that error.
    const answer = examples.slice(i + 1).find(e => e.direction.startsWith('→'))
    const refusal = answer && JSON.parse(frameOf(answer.json)) as { type: string, code?: string, message?: string }
    const parsed = parseClientFrame(frameOf(json))
    if (refusal?.type === 'error' && (refusal.code === 'bad_frame' || refusal.code === 'bad_json')) {
      expect(parsed).toMatchObject({ ok: false, code: refusal.code, message: refusal.message })
    }
    else {
      expect(parsed).toMatchObject({ ok: true })
    }
  })

  it('names every frame type of both directions', () => {
    for (const type of [...SERVER_FRAME_TYPES, ...CLIENT_FRAME_TYPES]) expect(doc, type).toContain(`\`${type}\``)
  })

  it('documents every error code', () => {
    for (const code of ERROR_CODES) expect(doc).toContain(`| \`${code}\` |`)
  })

  it('has a row in the close-code table for every close code the server sends', () => {
    for (const code of Object.values(CloseCode)) expect(doc).toContain(`\n| ${code} | server |`)
  })
})
