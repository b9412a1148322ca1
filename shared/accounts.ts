import * as v from 'valibot'
import { check } from './schema'

/**
 * Account fields and the bodies of the account endpoints, as schemas shared by the sign-in form and
 * the server, so both say the same thing.
 */

export const USERNAME_MIN = 3
export const USERNAME_MAX = 32
/** NIST SP 800-63B: at least 8 characters; a generous maximum bounds the hashing work. */
export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 256

const required = (label: string) => v.pipe(v.string(`${label} is required.`), v.minLength(1, `${label} is required.`))

/** A username as registration accepts it. */
export const UsernameSchema = v.pipe(
  required('Username'),
  v.minLength(USERNAME_MIN, `Username must be at least ${USERNAME_MIN} characters.`),
  v.maxLength(USERNAME_MAX, `Username must be at most ${USERNAME_MAX} characters.`),
  v.regex(/^[\w.-]+$/, 'Username may contain only letters, digits, ".", "-" and "_".'),
)

/** A new password. */
export const PasswordSchema = v.pipe(
  required('Password'),
  v.minLength(PASSWORD_MIN, `Password must be at least ${PASSWORD_MIN} characters.`),
  v.maxLength(PASSWORD_MAX, `Password must be at most ${PASSWORD_MAX} characters.`),
)

/** POST /api/auth/register. */
export const RegisterBody = v.object({ username: UsernameSchema, password: PasswordSchema })

/** POST /api/auth/login: presence and length only; the rules of the day must not lock out older accounts. */
export const LoginBody = v.object({
  username: v.pipe(required('Username'), v.maxLength(USERNAME_MAX, `Username must be at most ${USERNAME_MAX} characters.`)),
  password: v.pipe(required('Password'), v.maxLength(PASSWORD_MAX, `Password must be at most ${PASSWORD_MAX} characters.`)),
})

/** POST /api/auth/password. */
export const PasswordChangeBody = v.object({
  newPassword: v.pipe(
    required('The new password'),
    v.minLength(PASSWORD_MIN, `The new password must be at least ${PASSWORD_MIN} characters.`),
    v.maxLength(PASSWORD_MAX, `The new password must be at most ${PASSWORD_MAX} characters.`),
  ),
  currentPassword: required('The current password'),
})

/** POST /api/auth/logout (the body is optional). */
export const LogoutBody = v.object({ everywhere: v.optional(v.boolean('everywhere must be true or false'), false) })

/** Returns a message for an invalid username, or null when it is acceptable. */
export function usernameProblem(username: unknown): string | null {
  const result = check(UsernameSchema, username)
  return result.ok ? null : result.message
}

/** Returns a message for an invalid password, or null when it is acceptable. */
export function passwordProblem(password: unknown): string | null {
  const result = check(PasswordSchema, password)
  return result.ok ? null : result.message
}
