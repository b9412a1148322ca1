import { randomInt } from 'node:crypto'

/** Letters and digits nobody confuses when reading them out (no 0/o, 1/l/i). */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'

/**
 * A password for someone who lost theirs: 16 characters from 31 in groups of four
 * (`k7mp-3qrw-…`), about 79 bits, easy to read out and type on a phone. Unbiased (randomInt).
 */
export function oneTimePassword(): string {
  const chars = Array.from({ length: 16 }, () => ALPHABET[randomInt(ALPHABET.length)])
  return [0, 4, 8, 12].map(i => chars.slice(i, i + 4).join('')).join('-')
}

/** The password piped in: the input without its last line break (as `echo` and editors add one). */
export function passwordFromStdin(input: string): string {
  return input.replace(/\r?\n$/, '')
}
