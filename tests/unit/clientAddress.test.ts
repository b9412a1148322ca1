import { describe, expect, it } from 'vitest'
import { clientAddress } from '../../server/http/clientAddress'

describe('client address for per-address limits', () => {
  it('is the TCP peer unless a proxy is trusted', () => {
    expect(clientAddress('10.0.0.5', '1.2.3.4', false)).toBe('10.0.0.5')
    expect(clientAddress(undefined, null, false)).toBe('unknown')
  })

  it('behind a trusted proxy is the entry the proxy appended, not one the client wrote', () => {
    expect(clientAddress('10.0.0.5', '6.6.6.6, 1.2.3.4', true)).toBe('1.2.3.4')
    expect(clientAddress('10.0.0.5', '1.2.3.4', true)).toBe('1.2.3.4')
  })

  it('falls back to the peer when the proxy sent no address', () => {
    expect(clientAddress('10.0.0.5', '', true)).toBe('10.0.0.5')
    expect(clientAddress('10.0.0.5', ' , ', true)).toBe('10.0.0.5')
  })
})
