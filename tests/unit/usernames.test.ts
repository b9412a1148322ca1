import { describe, expect, it } from 'vitest'
import { USERNAME_MAX, USERNAME_MAX_CODE_POINTS, normalizeUsername, prefixEnd, usernameIssue, usernameKey, usernameLength } from '#shared/usernames'

describe('usernames in any script', () => {
  it.each(['小明', '王小明', 'Jürgen', 'Алия', 'देवनागरी', 'محمد', 'שרה', 'ნინო', 'Nguyễn', 'alice_01', 'bob.smith', 'x_y-z', '李4', '١٢٣'])(
    'accepts %s', (name) => {
      expect(usernameIssue(name)).toBeNull()
    })

  it.each([
    ['a zero-width space', 'ab\u200Bc'],
    ['a zero-width joiner', 'ab\u200Dc'],
    ['a right-to-left override (U+202E)', 'ab\u202Ecd'],
    ['a left-to-right embedding (U+202A)', '\u202Aabc'],
    ['a first-strong isolate (U+2068)', 'ab\u2068cd'],
    ['a soft hyphen', 'ab\u00ADcd'],
    ['a byte-order mark', '\uFEFFabc'],
    ['a NUL', 'ab\u0000c'],
    ['a line feed', 'ab\nc'],
    ['a DEL', 'ab\u007Fc'],
    ['a space inside', 'ab cd'],
    ['a leading space', ' abc'],
    ['a trailing space', 'abc '],
    ['an ideographic space', '小\u3000明'],
    ['a no-break space', 'ab\u00A0cd'],
    ['a Hangul filler, a letter that draws nothing', '\u3164\u3164\u3164'],
    ['a variation selector', 'ab\uFE0Fc'],
    ['an emoji', 'abc😀'],
    ['only emoji', '😀😀😀'],
    ['a family emoji (ZWJ sequence)', 'ab👨‍👩‍👧'],
    ['a symbol', 'a$b'],
    ['markup', '<script>'],
    ['an @', '@alice'],
    ['punctuation only', '..'],
    ['punctuation only, longer', '-_.-'],
  ])('refuses a name with %s, as username_characters', (_, name) => {
    expect(usernameIssue(name)).toBe('username_characters')
  })

  it('refuses a name that starts with a combining mark, and a letter with more than four marks on it', () => {
    expect(usernameIssue('\u0301abc')).toBe('username_marks')
    // x: no precomposed letter takes the first mark away (NFKC would compose a + U+0301 into á).
    expect(usernameIssue(`x${'\u0301'.repeat(5)}bc`)).toBe('username_marks')
    expect(usernameIssue(`x${'\u0301'.repeat(4)}bc`)).toBeNull()
  })

  it('says what is missing, short or long', () => {
    expect(usernameIssue('')).toBe('username_required')
    expect(usernameIssue(undefined)).toBe('username_required')
    expect(usernameIssue(42)).toBe('username_required')
    expect(usernameIssue('明')).toBe('username_too_short')
    expect(usernameIssue('x'.repeat(USERNAME_MAX + 1))).toBe('username_too_long')
    expect(usernameIssue('明'.repeat(USERNAME_MAX))).toBeNull()
  })

  it('counts characters a person sees: three letters with combining marks are three', () => {
    const decomposed = 'e\u0301a\u0308o\u0323'
    expect(decomposed).toHaveLength(6)
    expect(usernameLength(decomposed)).toBe(3)
    expect(usernameLength('क्षि')).toBe(1)
    expect(usernameLength('小明')).toBe(2)
    // Three graphemes of Devanagari with a virama and vowel signs are long enough.
    expect(usernameIssue('नमस्ते')).toBeNull()
  })

  it('bounds code points too, so 32 letters cannot carry hundreds of marks', () => {
    const heavy = 'x\u0301\u0302\u0303\u0304'.repeat(USERNAME_MAX)
    expect(usernameLength(heavy)).toBe(USERNAME_MAX)
    expect([...heavy].length).toBeGreaterThan(USERNAME_MAX_CODE_POINTS)
    expect(usernameIssue(heavy)).toBe('username_too_long')
  })

  it('checks and stores the NFKC form: fullwidth letters are plain ones, a decomposed accent is composed', () => {
    expect(normalizeUsername('ＡＬＩＣＥ')).toBe('ALICE')
    expect(normalizeUsername('Ju\u0308rgen')).toBe('Jürgen')
    expect(normalizeUsername('ﬁsh')).toBe('fish')
    // Fullwidth spaces are refused, not silently turned into something else.
    expect(usernameIssue('ab\u3000cd')).toBe('username_characters')
  })
})

describe('username keys', () => {
  it.each([
    ['width', 'ＡＬＩＣＥ', 'alice'],
    ['case', 'Alice', 'ALICE'],
    ['composition', 'Ju\u0308rgen', 'jürgen'],
    ['Cyrillic case', 'АЛИЯ', 'алия'],
    ['German sharp s', 'STRASSE', 'straße'],
    ['capital sharp s', 'STRAẞE', 'strasse'],
    ['title-case digraphs', 'ǅemal', 'ǆemal'],
    ['Greek final sigma', 'ΟΔΥΣΣΕΥΣ', 'οδυσσευς'],
    ['ligatures', 'ﬁsh', 'FISH'],
    ['fullwidth CJK-adjacent digits', '小明１２', '小明12'],
  ])('gives names that differ only by %s one key', (_, a, b) => {
    expect(usernameKey(a)).toBe(usernameKey(b))
  })

  it('keeps different names apart, across scripts too', () => {
    expect(usernameKey('alice')).not.toBe(usernameKey('alicia'))
    expect(usernameKey('alice')).not.toBe(usernameKey('аlice')) // Cyrillic а: confusables are not folded
    expect(usernameKey('小明')).not.toBe(usernameKey('小朋'))
  })

  it('is a fixed point: the key of a key is itself', () => {
    for (const name of ['STRAẞE', 'ǅemal', 'ΣΑΣ', 'İstanbul', 'ＡＢＣ', '小明', 'Ju\u0308rgen', 'ﬃ']) {
      expect(usernameKey(usernameKey(name))).toBe(usernameKey(name))
    }
  })

  it('keeps the key of every name the old rule allowed: its lower case', () => {
    const ascii = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c)).filter(c => /[\w.-]/.test(c)).join('')
    expect(usernameKey(ascii)).toBe(ascii.toLowerCase())
  })

  it('makes a prefix of a name a prefix of its key, so a search by the start finds it', () => {
    for (const [name, start] of [['Οδυσσεύς', 'ΟΔΥΣ'], ['小明', '小'], ['Jürgen', 'JÜ'], ['ＡＬＩＣＥ', 'al']]) {
      expect(usernameKey(name!).startsWith(usernameKey(start!))).toBe(true)
    }
  })
})

describe('the end of a prefix range', () => {
  it('is the prefix with its last code point raised by one', () => {
    expect(prefixEnd('ab')).toBe('ac')
    expect(prefixEnd('小')).toBe('尐')
    expect(prefixEnd('a\u{20000}')).toBe('a\u{20001}')
    expect(prefixEnd('a\uD7FF')).toBe('a\uE000')
  })

  it('drops a last U+10FFFF, and has no bound for nothing but those', () => {
    expect(prefixEnd('a\u{10FFFF}')).toBe('b')
    expect(prefixEnd('\u{10FFFF}')).toBeNull()
    expect(prefixEnd('')).toBeNull()
  })

  it('lies above every longer name with that prefix and below the next prefix, by code point', () => {
    const byCodePoint = (a: string, b: string) => {
      const [x, y] = [[...a].map(c => c.codePointAt(0)!), [...b].map(c => c.codePointAt(0)!)]
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!
      return x.length - y.length
    }
    for (const longer of ['小明', '小~', '小\u{2FFFF}', '小\uFFFF']) expect(byCodePoint(longer, prefixEnd('小')!)).toBeLessThan(0)
    expect(byCodePoint('尐', prefixEnd('小')!)).toBe(0)
  })
})
