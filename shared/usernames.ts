/**
 * The username rule, in one pure module for the sign-in form, the server and the migration that
 * recomputes stored keys. Names may be written in any script; what identifies an account is its
 * key, so two accounts never differ only by width, case or composition.
 */

/**
 * Shortest and longest name, in characters a person sees (grapheme clusters). Two, not three:
 * most Chinese names are two or three characters (小明).
 */
export const USERNAME_MIN = 2
export const USERNAME_MAX = 32
/**
 * Most code points in a name: a grapheme can hold any number of combining marks, so a bound in
 * graphemes alone bounds nothing stored. Four per grapheme leaves room for Devanagari conjuncts.
 */
export const USERNAME_MAX_CODE_POINTS = USERNAME_MAX * 4
/** Most combining marks in a row (Tibetan stacks need three; "Zalgo" text needs dozens). */
export const USERNAME_MAX_MARKS = 4

/** Why a username is refused; the client words each one (shared/accounts.ts gives each its numbers). */
export type UsernameCode = 'username_required' | 'username_too_short' | 'username_too_long' | 'username_characters' | 'username_marks'

/**
 * The stored form of a name: NFKC, so fullwidth "ＡＢＣ", ligatures and decomposed accents become
 * the characters a reader takes them for. Nothing is trimmed: a space is refused by the rule, never
 * dropped behind the user's back.
 */
export function normalizeUsername(name: string): string {
  return name.normalize('NFKC')
}

/**
 * What makes two names the same account: NFKC, then a full Unicode case fold, then NFKC again
 * (case mapping can leave a sequence that composes; the second pass makes the key stable:
 * usernameKey(usernameKey(x)) === usernameKey(x)).
 *
 * JavaScript has no casefold(); lower, upper, lower again stands in for it. The upper step uses
 * the full (one-to-many) mappings, so "straße", "STRASSE" and capital "ẞ" all become "strasse";
 * the first lower step is there for "ẞ", whose upper case is itself; the title-case digraphs
 * ("ǅ", "ǆ", "Ǆ") meet too. All three steps are locale-independent. Final sigma "ς" becomes "σ",
 * as in case folding (toLowerCase chooses by position, so a prefix ending in "σ" would not find
 * the longer name).
 *
 * Checked against Python's str.casefold() for every letter, mark and digit (134,824 code points,
 * docs/security.md): names equal under NFKC + casefold always get the same key. The one difference
 * is on the strict side, joining what casefold keeps apart: dotless "ı" equals "i". The key follows
 * the Unicode version of the runtime's ICU for characters assigned after it (to an older runtime
 * they are no letters, so it accepted no name with them). Look-alikes across scripts (Latin "a",
 * Cyrillic "а") stay different accounts: confusable detection (UTS #39) is not done.
 */
export function usernameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().toUpperCase().toLowerCase().replaceAll('ς', 'σ').normalize('NFKC')
}

const segmenter = typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null

/**
 * Length in characters a person sees (extended grapheme clusters): "é" as e + U+0301 is one,
 * "क्षि" is one. Where the browser lacks Intl.Segmenter, code points (the server always has it
 * and decides).
 */
export function usernameLength(name: string): number {
  if (!segmenter) return [...name].length
  let count = 0
  for (const _ of segmenter.segment(name)) count++
  return count
}

/**
 * Letters and marks of any script, decimal digits, and . - _ ; nothing else. That leaves out
 * controls (Cc), format characters (Cf: zero-width space and joiners, the bidirectional overrides
 * U+202A–202E and isolates U+2066–2069, soft hyphen), spaces, symbols and emoji. Default-ignorable
 * code points are refused too: some are letters or marks yet draw nothing (Hangul fillers
 * U+115F, U+1160, U+3164, variation selectors), which would make two names that look the same.
 */
const ALLOWED = /^[\p{L}\p{M}\p{Nd}._-]+$/u
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u
const MARKS_RUN = new RegExp(`(?:^\\p{M})|\\p{M}{${USERNAME_MAX_MARKS + 1}}`, 'u')

/** Whether a name is too long to be any account's (also what sign-in accepts, so old names keep working). */
export function usernameTooLong(name: string): boolean {
  return [...name].length > USERNAME_MAX_CODE_POINTS || usernameLength(name) > USERNAME_MAX
}

/**
 * The first reason a name (as typed) cannot be registered, or null. The rule is checked on the
 * NFKC form, which is the form stored.
 */
export function usernameIssue(input: unknown): UsernameCode | null {
  if (typeof input !== 'string' || input === '') return 'username_required'
  const name = normalizeUsername(input)
  if (usernameTooLong(name)) return 'username_too_long'
  if (!ALLOWED.test(name) || INVISIBLE.test(name)) return 'username_characters'
  // A mark first would combine with whatever the page shows before the name.
  if (MARKS_RUN.test(name)) return 'username_marks'
  // Punctuation alone ("..", "-_") names nobody one could tell apart or find.
  if (!/[\p{L}\p{Nd}]/u.test(name)) return 'username_characters'
  if (usernameLength(name) < USERNAME_MIN) return 'username_too_short'
  return null
}

/**
 * The least string above every string that starts with `prefix`, in code point order (the order
 * of keys in the database): the prefix with its last code point raised by one (over the
 * surrogates, which no string of code points holds), dropping a last U+10FFFF first. Null when
 * there is no bound: every string is below.
 */
export function prefixEnd(prefix: string): string | null {
  const points = [...prefix].map(c => c.codePointAt(0)!)
  while (points.length > 0 && points.at(-1) === 0x10FFFF) points.pop()
  if (points.length === 0) return null
  let last = points.pop()! + 1
  if (last === 0xD800) last = 0xE000
  return String.fromCodePoint(...points, last)
}
