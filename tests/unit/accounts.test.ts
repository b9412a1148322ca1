import { describe, expect, it } from 'vitest'
import { LoginBody, PASSWORD_MAX, PasswordChangeBody, RegisterBody, USERNAME_MAX, checkAccount, checkPassword, checkUsername } from '#shared/accounts'

describe('account fields', () => {
  it('accepts ordinary usernames and passwords', () => {
    expect(checkUsername('alice_01')).toBeNull()
    expect(checkUsername('小明')).toBeNull()
    expect(checkPassword('correct horse battery')).toBeNull()
  })

  it.each([
    ['', { code: 'username_required' }],
    [undefined, { code: 'username_required' }],
    ['a', { code: 'username_too_short', params: { min: 2 } }],
    ['x'.repeat(USERNAME_MAX + 1), { code: 'username_too_long', params: { max: 32 } }],
    ['bad name', { code: 'username_characters' }],
    ['<script>', { code: 'username_characters' }],
    ['\u0301ab', { code: 'username_marks', params: { max: 4 } }],
  ])('refuses the username %j with a code the client words, its numbers and the field', (name, expected) => {
    const problem = checkUsername(name)!
    expect(problem).toMatchObject({ ...expected, field: 'username' })
    if (!('params' in expected)) expect(problem.params).toBeUndefined()
    expect(problem.message).toMatch(/^Username /)
  })

  it.each([
    ['', { code: 'password_required' }],
    ['short', { code: 'password_too_short', params: { min: 8 } }],
    ['x'.repeat(PASSWORD_MAX + 1), { code: 'password_too_long', params: { max: 256 } }],
  ])('refuses the password %j with a code, its numbers and the field', (password, expected) => {
    expect(checkPassword(password)).toMatchObject({ ...expected, field: 'password' })
  })

  it('registers the NFKC form of a name', () => {
    const result = checkAccount(RegisterBody, { username: 'ＡＬＩＣＥ', password: 'password123' })
    expect(result).toEqual({ ok: true, value: { username: 'ALICE', password: 'password123' } })
  })

  it('names a missing field by its own code', () => {
    expect(checkAccount(RegisterBody, { password: 'password123' })).toMatchObject({ ok: false, problem: { code: 'username_required', field: 'username' } })
    expect(checkAccount(LoginBody, { username: 'alice' })).toMatchObject({ ok: false, problem: { code: 'password_required', field: 'password' } })
  })

  it('lets sign-in through with any name not too long, so accounts made under older rules keep working', () => {
    expect(checkAccount(LoginBody, { username: 'a b', password: 'x' }).ok).toBe(true)
    expect(checkAccount(LoginBody, { username: 'x'.repeat(USERNAME_MAX + 1), password: 'x' })).toMatchObject({ problem: { code: 'username_too_long', params: { max: 32 } } })
  })

  it('words the fields of a password change with the same codes', () => {
    expect(checkAccount(PasswordChangeBody, { newPassword: 'short', currentPassword: 'x' })).toMatchObject({
      ok: false, problem: { code: 'password_too_short', params: { min: 8 }, field: 'newPassword', message: 'The new password must be at least 8 characters.' },
    })
    expect(checkAccount(PasswordChangeBody, { newPassword: 'password123', currentPassword: '' })).toMatchObject({
      ok: false, problem: { code: 'password_required', field: 'currentPassword' },
    })
  })
})
