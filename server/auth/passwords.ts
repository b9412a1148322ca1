import { hash, verify } from '@node-rs/argon2'

/**
 * How passwords are hashed and checked, in one place for the server and the operator's command
 * line: Argon2id with the library defaults (m=19 MiB, t=2, p=1: OWASP's recommended minimum).
 */

/** A hash of a password nobody has: checked when there is no account, so both cases take the same time. */
export const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$lf35gDuGlR4qWEEni2UPhQ$a6F3ih2Qsf2ym8oCElqgVEZHFtlpsA9lANWUSO+zASo'

/** The stored form of a password. */
export function hashPassword(password: string): Promise<string> {
  return hash(password)
}

/** Whether `password` is the one `passwordHash` was made from (false for a malformed hash). */
export function passwordMatchesHash(passwordHash: string, password: string): Promise<boolean> {
  return verify(passwordHash, password).catch(() => false)
}
