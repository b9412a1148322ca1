/** Account field rules, shared by the sign-in form and the server so both say the same thing. */

export const USERNAME_MIN = 3
export const USERNAME_MAX = 32
/** NIST SP 800-63B: at least 8 characters; a generous maximum bounds the hashing work. */
export const PASSWORD_MIN = 8
export const PASSWORD_MAX = 256

const USERNAME_PATTERN = /^[\w.-]+$/

/** Returns a message for an invalid username, or null when it is acceptable. */
export function usernameProblem(username: unknown): string | null {
  if (typeof username !== 'string' || username.length === 0) return 'Username is required.'
  if (username.length < USERNAME_MIN) return `Username must be at least ${USERNAME_MIN} characters.`
  if (username.length > USERNAME_MAX) return `Username must be at most ${USERNAME_MAX} characters.`
  if (!USERNAME_PATTERN.test(username)) return 'Username may contain only letters, digits, ".", "-" and "_".'
  return null
}

/** Returns a message for an invalid password, or null when it is acceptable. */
export function passwordProblem(password: unknown): string | null {
  if (typeof password !== 'string' || password.length === 0) return 'Password is required.'
  if (password.length < PASSWORD_MIN) return `Password must be at least ${PASSWORD_MIN} characters.`
  if (password.length > PASSWORD_MAX) return `Password must be at most ${PASSWORD_MAX} characters.`
  return null
}
