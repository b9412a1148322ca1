/**
 * The type of an outgoing frame, read from its text without parsing or allocating: every frame is
 * `JSON.stringify` of an object whose first key is `type` (shared/protocol/parse.ts encodeFrame), so the
 * text starts with `{"type":"` and the name follows. Frames are sent as text already encoded (one
 * encoding shared by every recipient), so this is how the sent-frames counter learns their type.
 */
const PREFIX = '{"type":"'
const QUOTE = 34

/** A function naming the type of a frame's text among `types`, or undefined when it is none of them. */
export function frameTypeReader<T extends string>(types: readonly T[]): (text: string) => T | undefined {
  // Candidates by the name's first character: at most a few startsWith checks per frame.
  const byFirst: T[][] = []
  for (const type of types) (byFirst[type.charCodeAt(0)] ??= []).push(type)
  return (text) => {
    if (!text.startsWith(PREFIX)) return undefined
    const candidates = byFirst[text.charCodeAt(PREFIX.length)]
    if (!candidates) return undefined
    for (const type of candidates) {
      if (text.startsWith(type, PREFIX.length) && text.charCodeAt(PREFIX.length + type.length) === QUOTE) return type
    }
    return undefined
  }
}
