import { describe, expect, it } from 'vitest'
import { CloseCode } from '#shared/protocol'
import { PUBLIC_DEFAULTS } from '#shared/settings'
import { afterDrop, afterRenewalCheck, afterSessionCheck, canAttempt, heartbeatOverdue, normalizeConnectionOptions } from '../../../utils/connection/connectionStatus'
import { statusPhrase } from '../../../utils/connection/statusPhrase'

describe('what follows a lost socket', () => {
  const base = { code: 1006, welcomed: true, attempts: 0, maxAttempts: 3 }

  it('signs out, never retrying, when the server ended the session of a socket it never welcomed', () => {
    expect(afterDrop({ ...base, code: CloseCode.SessionEnded, welcomed: false })).toBe('sign-out')
  })

  it('asks, when a working connection\'s session ended, whether the cookie holds a new one of the same user', () => {
    expect(afterDrop({ ...base, code: CloseCode.SessionEnded })).toBe('check-renewal')
  })

  it('signs out for good, asking nothing, when the operator disabled the account (4003), welcomed or not', () => {
    for (const welcomed of [true, false]) expect(afterDrop({ ...base, code: CloseCode.AccountDisabled, welcomed })).toBe('account-disabled')
  })

  it('asks whether the session still holds when the socket never got its welcome', () => {
    expect(afterDrop({ ...base, welcomed: false })).toBe('check-session')
  })

  it('retries once the session was checked', () => {
    expect(afterDrop({ ...base, welcomed: false, sessionChecked: true })).toBe('reconnect')
  })

  it('reconnects, asking nothing, when a server that accepted the socket said to try again later (1013)', () => {
    expect(afterDrop({ ...base, code: CloseCode.TryAgainLater, welcomed: false })).toBe('reconnect')
    expect(afterDrop({ ...base, code: CloseCode.TryAgainLater, welcomed: false, attempts: 3 })).toBe('give-up')
  })

  it('reconnects after a drop of a working connection', () => {
    expect(afterDrop(base)).toBe('reconnect')
  })

  it('gives up when the attempts run out', () => {
    expect(afterDrop({ ...base, attempts: 3 })).toBe('give-up')
    expect(afterDrop({ ...base, welcomed: false, sessionChecked: true, attempts: 3 })).toBe('give-up')
  })
})

describe('what the session check decides', () => {
  it('reconnects after a 4001 only when the cookie holds a valid session of the user this page knows', () => {
    expect(afterRenewalCheck('valid', true, true)).toBe('retry')
    expect(afterRenewalCheck('valid', true, false)).toBe('retry')
    expect(afterRenewalCheck('valid', false, false)).toBe('sign-out')
  })

  it('asks once more after a 4001 before signing out, since the renewed cookie may still be on its way', () => {
    for (const verdict of ['invalid', 'unknown'] as const) {
      expect(afterRenewalCheck(verdict, true, true)).toBe('ask-again')
      expect(afterRenewalCheck(verdict, true, false)).toBe('sign-out')
    }
  })

  it('signs out for the disabled account at once, after a 4001 or a socket never welcomed', () => {
    expect(afterRenewalCheck('disabled', true, true)).toBe('account-disabled')
    expect(afterSessionCheck('disabled')).toBe('account-disabled')
  })

  it('signs out a socket never welcomed only when the session is gone; otherwise the drop counts as checked', () => {
    expect(afterSessionCheck('invalid')).toBe('sign-out')
    expect(afterSessionCheck('valid')).toBe('checked')
    expect(afterSessionCheck('unknown')).toBe('checked')
  })
})

describe('who may start an attempt', () => {
  it('lets the user connect from any resting state', () => {
    for (const s of ['idle', 'closed', 'offline', 'reconnecting', 'signed-out'] as const) expect(canAttempt(s, 'user')).toBe(true)
    expect(canAttempt('open', 'user')).toBe(false)
    expect(canAttempt('connecting', 'user')).toBe(false)
  })

  it('lets the network revive only a waiting or given-up connection, never a deliberate close', () => {
    expect(canAttempt('reconnecting', 'network')).toBe(true)
    expect(canAttempt('offline', 'network')).toBe(true)
    for (const s of ['idle', 'closed', 'signed-out', 'open', 'connecting'] as const) expect(canAttempt(s, 'network')).toBe(false)
  })
})

describe('link liveness', () => {
  const hb = { intervalMs: 25_000, timeoutMs: 10_000 }

  it('is on time while something arrived within interval + timeout', () => {
    expect(heartbeatOverdue(35_000, 0, hb)).toBe(false)
  })

  it('is overdue past interval + timeout of silence, however late the timer fired', () => {
    expect(heartbeatOverdue(35_001, 0, hb)).toBe(true)
    expect(heartbeatOverdue(10 * 60_000, 0, hb)).toBe(true)
  })
})

describe('connection options', () => {
  it('takes numbers and numeric strings from the configuration', () => {
    expect(normalizeConnectionOptions({ reconnectBaseMs: '250', reconnectMaxAttempts: 3 })).toMatchObject({ reconnectBaseMs: 250, reconnectMaxAttempts: 3 })
  })

  it('keeps the defaults of shared/settings.ts for missing values', () => {
    expect(normalizeConnectionOptions({})).toEqual(PUBLIC_DEFAULTS)
  })

  it('falls back, loudly, on values that would make a retry loop without delay or end', () => {
    const warnings: string[] = []
    const options = normalizeConnectionOptions({ reconnectBaseMs: 'fast', reconnectMaxAttempts: 0 }, m => warnings.push(m))
    expect(options).toEqual(PUBLIC_DEFAULTS)
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/NUXT_PUBLIC_RECONNECT_BASE_MS=fast is not allowed/)
  })
})

describe('the status line', () => {
  const reconnecting = { status: 'reconnecting' as const, secondsLeft: 5, attempt: 2, maxAttempts: 10, limited: false, waitingForNetwork: false }

  it('shows the countdown but announces only the state, so a screen reader hears no ticks', () => {
    expect(statusPhrase(reconnecting, true)).toEqual({ key: 'connection.reconnectingIn', params: { seconds: 5, attempt: 2, max: 10 } })
    expect(statusPhrase(reconnecting, false)).toEqual(statusPhrase({ ...reconnecting, secondsLeft: 4 }, false))
    expect(statusPhrase(reconnecting, false)).not.toEqual(statusPhrase({ ...reconnecting, attempt: 3 }, false))
  })

  it('says why when the server limited the connection', () => {
    expect(statusPhrase({ ...reconnecting, limited: true }, true).key).toBe('connection.reconnectingInLimited')
    expect(statusPhrase({ ...reconnecting, limited: true }, false).key).toBe('connection.attemptLimited')
  })

  it('says that the account was disabled when that signed it out', () => {
    const signedOut = { ...reconnecting, status: 'signed-out' as const, secondsLeft: null }
    expect(statusPhrase(signedOut, true).key).toBe('connection.signedOut')
    expect(statusPhrase({ ...signedOut, accountDisabled: true }, false).key).toBe('connection.accountDisabled')
  })

  it('says the session is being checked after a 4001, not that it reconnects', () => {
    const checking = { ...reconnecting, secondsLeft: null, checkingSession: true }
    expect(statusPhrase(checking, true).key).toBe('connection.checkingSession')
    expect(statusPhrase(checking, false).key).toBe('connection.checkingSession')
  })

  it('waits for the network without a countdown', () => {
    expect(statusPhrase({ ...reconnecting, secondsLeft: null, waitingForNetwork: true }, true).key).toBe('connection.waitingForNetwork')
  })
})
