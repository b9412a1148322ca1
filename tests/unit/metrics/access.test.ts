import { describe, expect, it } from 'vitest'
import { metricsAccess } from '../../../server/metrics/access'

const TOKEN = 'a-long-enough-metrics-token'

describe('who may read /metrics', () => {
  it('is off when no token is set, whatever the request says', () => {
    expect(metricsAccess('', undefined)).toBe('off')
    expect(metricsAccess('', 'Bearer ')).toBe('off')
    expect(metricsAccess('', `Bearer ${TOKEN}`)).toBe('off')
  })

  it('allows the bearer of the token, the scheme in any case', () => {
    expect(metricsAccess(TOKEN, `Bearer ${TOKEN}`)).toBe('allowed')
    expect(metricsAccess(TOKEN, `bearer ${TOKEN}`)).toBe('allowed')
    expect(metricsAccess(TOKEN, `BEARER  ${TOKEN} `)).toBe('allowed')
  })

  it('denies a missing, malformed or wrong token, a prefix or an extension of it', () => {
    for (const header of [undefined, '', 'Bearer', `Basic ${TOKEN}`, TOKEN, `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}x`, `Bearer ${TOKEN} extra`, 'Bearer wrong-token-of-some-length']) {
      expect(metricsAccess(TOKEN, header), String(header)).toBe('denied')
    }
  })
})
