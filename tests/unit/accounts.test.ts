import { describe, expect, it } from 'vitest'
import { PASSWORD_MAX, USERNAME_MAX, passwordProblem, usernameProblem } from '#shared/accounts'

describe('account fields', () => {
  it('accepts ordinary usernames and passwords', () => {
    expect(usernameProblem('alice_01')).toBeNull()
    expect(passwordProblem('correct horse battery')).toBeNull()
  })

  it.each([
    ['', /required/],
    [undefined, /required/],
    ['ab', /at least 3/],
    ['x'.repeat(USERNAME_MAX + 1), /at most 32/],
    ['bad name', /only letters/],
    ['<script>', /only letters/],
  ])('explains what is wrong with the username %j', (name, message) => {
    expect(usernameProblem(name)).toMatch(message)
  })

  it.each([
    ['', /required/],
    ['short', /at least 8/],
    ['x'.repeat(PASSWORD_MAX + 1), /at most 256/],
  ])('explains what is wrong with the password %j', (password, message) => {
    expect(passwordProblem(password)).toMatch(message)
  })
})
