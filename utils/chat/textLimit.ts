import { MAX_TEXT_LENGTH } from '#shared/protocol'

/** The composer shows how long the message is from this length on (90 % of the limit). */
export const COUNTER_FROM = 3600

export interface TextLimit {
  /** The length as the server counts it: UTF-16 code units of the text as sent (not trimmed). */
  length: number
  max: number
  /** Show the counter: the message nears or passes the limit. */
  counter: boolean
  /** The server would refuse it: it cannot be sent as it is. */
  over: boolean
}

/** How a message's length stands against the server's limit (shared/protocol/limits.ts MAX_TEXT_LENGTH). */
export function textLimit(text: string, max = MAX_TEXT_LENGTH): TextLimit {
  const length = text.length
  return { length, max, counter: length >= Math.min(COUNTER_FROM, max), over: length > max }
}
