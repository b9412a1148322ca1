/**
 * Whether a conversation pane follows new lines to the bottom: only when the reader is already
 * there, or when the new lines include their own (they just sent it). Otherwise the lines from
 * others are counted for the "new messages" control. Pure: the pane measures, this decides.
 */

/** How close to the bottom (in CSS pixels) still counts as "at the bottom". */
export const AT_BOTTOM_SLACK_PX = 48

export function isAtBottom(el: { scrollTop: number, scrollHeight: number, clientHeight: number }): boolean {
  return el.scrollHeight - el.scrollTop - el.clientHeight <= AT_BOTTOM_SLACK_PX
}

export interface Follow {
  /** Scroll to the bottom. */
  follow: boolean
  /** Lines from others the reader has not scrolled down to yet. */
  unseen: number
}

/** What to do when `added` lines arrive (null: a new conversation or first page). */
export function onLinesAdded(added: ReadonlyArray<{ own: boolean }> | null, atBottom: boolean, unseen: number): Follow {
  if (added === null || atBottom || added.some(line => line.own)) return { follow: true, unseen: 0 }
  return { follow: false, unseen: unseen + added.length }
}
