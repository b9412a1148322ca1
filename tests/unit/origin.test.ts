import { describe, expect, it } from 'vitest'
import { parseOriginList } from '#shared/settings'
import { isOriginAllowed } from '../../server/socket/origin'

describe('origin allow-list', () => {
  it('allows the app its own origin', () => {
    expect(isOriginAllowed('http://localhost:3000', 'localhost:3000', [])).toBe(true)
    expect(isOriginAllowed('https://chat.example.com', 'chat.example.com', [])).toBe(true)
  })

  it('refuses another site, another port and a look-alike host', () => {
    expect(isOriginAllowed('https://evil.example', 'localhost:3000', [])).toBe(false)
    expect(isOriginAllowed('http://localhost:3001', 'localhost:3000', [])).toBe(false)
    expect(isOriginAllowed('http://localhost:3000.evil.example', 'localhost:3000', [])).toBe(false)
  })

  it('allows origins listed in the configuration', () => {
    const allowed = parseOriginList(' https://app.example.com/ , http://127.0.0.1:5173,')!
    expect(allowed).toEqual(['https://app.example.com', 'http://127.0.0.1:5173'])
    expect(isOriginAllowed('https://app.example.com', 'api.example.com', allowed)).toBe(true)
  })

  it('refuses a configured list with anything that is not an http(s) origin (start-up stops on it)', () => {
    expect(parseOriginList('https://app.example.com,not a url')).toBeUndefined()
    expect(parseOriginList('ftp://files.example.com')).toBeUndefined()
  })

  it('refuses garbage, "null" and non-web schemes', () => {
    expect(isOriginAllowed('null', 'localhost:3000', [])).toBe(false)
    expect(isOriginAllowed('file://', 'localhost:3000', [])).toBe(false)
    expect(isOriginAllowed('chrome-extension://abc', 'abc', [])).toBe(false)
  })
})
