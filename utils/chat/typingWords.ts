/** Which message says who is typing, with its parameters (the component translates it). */
export interface TypingWords {
  key: 'typing.one' | 'typing.two' | 'typing.many'
  params: Record<string, string | number>
  /** The count plural forms choose by (typing.many). */
  plural?: number
}

/** One name, two names, or the first two and how many more; null when nobody types. */
export function typingWords(names: readonly string[]): TypingWords | null {
  const [first, second] = names
  if (first === undefined) return null
  if (second === undefined) return { key: 'typing.one', params: { name: first } }
  if (names.length === 2) return { key: 'typing.two', params: { first, second } }
  const count = names.length - 2
  return { key: 'typing.many', params: { first, second, count, total: names.length }, plural: count }
}
