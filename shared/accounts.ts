import * as v from 'valibot'
import { check } from './schema'
import { USERNAME_MAX, USERNAME_MAX_MARKS, USERNAME_MIN, normalizeUsername, usernameIssue, usernameTooLong } from './usernames'
import type { UsernameCode } from './usernames'

export { USERNAME_MAX, USERNAME_MIN } from './usernames'

/**
 * Account fields and the bodies of the account endpoints, as schemas shared by the sign-in form and
 * the server, so both say the same thing. A refusal is a code the client words in its language,
 * with the numbers the wording needs (`params`) and the field it is about; the English `message`
 * beside it is for developers and logs.
 */

/** NIST SP 800-63B: at least 8 characters; a generous maximum bounds the hashing work. */
export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 256

export type PasswordCode = 'password_required' | 'password_too_short' | 'password_too_long'
export type AccountFieldCode = UsernameCode | PasswordCode

/** The numbers each code's wording needs; the same for every field a code is used on. */
export const ACCOUNT_FIELD_PARAMS: Record<AccountFieldCode, Record<string, number> | undefined> = {
  username_required: undefined,
  username_too_short: { min: USERNAME_MIN },
  username_too_long: { max: USERNAME_MAX },
  username_characters: undefined,
  username_marks: { max: USERNAME_MAX_MARKS },
  password_required: undefined,
  password_too_short: { min: PASSWORD_MIN },
  password_too_long: { max: PASSWORD_MAX },
}

/** A refused account field. */
export interface AccountProblem {
  /** bad_request: not a field's fault (the body is no object). */
  code: AccountFieldCode | 'bad_request'
  params?: Record<string, number>
  /** The body's key: username, password, newPassword or currentPassword. */
  field?: string
  /** English, for developers and logs; the client words `code` itself. */
  message: string
}

const LABELS: Record<string, string> = {
  username: 'Username',
  password: 'Password',
  newPassword: 'The new password',
  currentPassword: 'The current password',
}

function english(code: AccountFieldCode, field: string | undefined): string {
  const label = LABELS[field ?? ''] ?? (code.startsWith('username') ? 'Username' : 'Password')
  const { min, max } = ACCOUNT_FIELD_PARAMS[code] ?? {}
  switch (code) {
    case 'username_required':
    case 'password_required': return `${label} is required.`
    case 'username_too_short':
    case 'password_too_short': return `${label} must be at least ${min} characters.`
    case 'username_too_long':
    case 'password_too_long': return `${label} must be at most ${max} characters.`
    case 'username_characters': return `${label} may contain only letters, digits, ".", "-" and "_".`
    case 'username_marks': return `${label} may have at most ${max} accents or other marks on one letter, and none first.`
  }
}

const isCode = (message: string): message is AccountFieldCode => message in ACCOUNT_FIELD_PARAMS

/** The problem of a failed parse of an account schema (whose messages are codes), worded. */
function describe(result: { message: string, field?: string }): AccountProblem {
  const code = isCode(result.message) ? result.message : null
  if (!code) return { code: 'bad_request', message: result.message }
  const params = ACCOUNT_FIELD_PARAMS[code]
  return {
    code,
    ...(params ? { params } : {}),
    ...(result.field === undefined ? {} : { field: result.field }),
    message: english(code, result.field),
  }
}

/** Validates an account body or field; never throws. The messages of these schemas are codes. */
export function checkAccount<S extends v.GenericSchema>(schema: S, input: unknown): { ok: true, value: v.InferOutput<S> } | { ok: false, problem: AccountProblem } {
  const result = check(schema, input)
  return result.ok ? result : { ok: false, problem: describe(result) }
}

/** A username as registration accepts it; the output is its NFKC form, the form stored. */
export const UsernameSchema = v.pipe(
  v.string('username_required'),
  v.rawCheck<string>(({ dataset, addIssue }) => {
    if (!dataset.typed) return
    const code = usernameIssue(dataset.value)
    if (code) addIssue({ message: code })
  }),
  v.transform(normalizeUsername),
)

const password = (min: number) => v.pipe(
  v.string('password_required'),
  v.minLength(1, 'password_required'),
  v.minLength(min, 'password_too_short'),
  v.maxLength(PASSWORD_MAX, 'password_too_long'),
)

/** A new password. */
export const PasswordSchema = password(PASSWORD_MIN)

/** POST /api/auth/register. */
export const RegisterBody = v.object({ username: UsernameSchema, password: PasswordSchema })

/**
 * POST /api/auth/login: presence and length only; the rules of the day must not lock out older
 * accounts. The name is passed on as typed: the lookup needs it to find a key kept by migration 0005.
 */
export const LoginBody = v.object({
  username: v.pipe(
    v.string('username_required'),
    v.minLength(1, 'username_required'),
    v.check(name => !usernameTooLong(normalizeUsername(name)), 'username_too_long'),
  ),
  password: password(1),
})

/** POST /api/auth/password. */
export const PasswordChangeBody = v.object({
  newPassword: PasswordSchema,
  currentPassword: v.pipe(v.string('password_required'), v.minLength(1, 'password_required')),
})

/** POST /api/auth/logout (the body is optional). */
export const LogoutBody = v.object({ everywhere: v.optional(v.boolean('everywhere must be true or false'), false) })

/** Why a username cannot be registered (code, params, English), or null when it can. */
export function checkUsername(username: unknown): AccountProblem | null {
  const result = checkAccount(v.object({ username: UsernameSchema }), { username })
  return result.ok ? null : result.problem
}

/** Why a password cannot be set, or null when it can. */
export function checkPassword(password: unknown): AccountProblem | null {
  const result = checkAccount(v.object({ password: PasswordSchema }), { password })
  return result.ok ? null : result.problem
}
