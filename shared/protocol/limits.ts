/** The protocol's limits and timings, shared by server and client so they cannot differ. */

/** Longest message text in UTF-16 code units. */
export const MAX_TEXT_LENGTH = 4000
/** Longest client-generated id (`cid`). */
export const MAX_CID_LENGTH = 64
/** Longest group name in UTF-16 code units (after trimming). */
export const MAX_GROUP_NAME_LENGTH = 64
/** Most events the server sends per resume batch, and most messages per history page. */
export const RESUME_BATCH = 200
export const HISTORY_PAGE_MAX = 100
/**
 * Typing indicators (never stored): a client sends `typing` at most once per TYPING_SEND_EVERY_MS
 * while its composer changes, and a reader shows it for TYPING_SHOWN_FOR_MS after the last one
 * (twice the interval: one lost or late frame does not make it flicker).
 */
export const TYPING_SEND_EVERY_MS = 3000
export const TYPING_SHOWN_FOR_MS = 6000
